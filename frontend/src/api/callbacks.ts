// What a screen does after one of its writes (a message, closing a dialog), passed to the hook of
// its feature's api.ts, which first does what the data needs (refreshing the lists it changed).
// Given to the hook rather than to mutate(), they run for every write, also when several overlap.
export interface Callbacks<TData = unknown, TVariables = void> {
  onSuccess?: (data: TData, variables: TVariables) => unknown;
  onError?: (error: Error, variables: TVariables) => unknown;
}
