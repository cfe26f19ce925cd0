// What a screen does after one of its writes (a message, closing a dialog), passed to the hook of
// its feature's api.ts, which first does what the data needs (refreshing the lists it changed).
// Given to the hook rather than to mutate(), they run for every write, also when several overlap.
export interface Callbacks<TData = unknown, TVariables = void> {
  onSuccess?: (data: TData, variables: TVariables) => unknown;
  onError?: (error: Error, variables: TVariables) => unknown;
}

/** A write's onSuccess/onError: the screen's callbacks, then `refresh` (the queries the write
 * changed, read again without holding the write's promise). */
export function thenRefresh<TData, TVariables>(on: Callbacks<TData, TVariables>, refresh: () => unknown) {
  return {
    onSuccess: (data: TData, variables: TVariables) => {
      on.onSuccess?.(data, variables);
      void refresh();
    },
    onError: on.onError,
  };
}
