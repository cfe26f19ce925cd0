// The answers being streamed, kept above the chat's routes so that an answer keeps streaming when
// the person opens another conversation, and so that starting a conversation from an assistant can
// move to its own address without losing the stream.
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { openChatStream, readChatEvents } from "../../api/chatStream";
import { api } from "../../api/client";
import { ApiError, errorMessage } from "../../api/errors";
import { keys } from "./api";
import { applyEvent, endOfStream, isActive, newTurn, type LiveTurn } from "./turn";

interface Streams {
  turns: Record<number, LiveTurn>;
  ask: (conversationId: number, question: string) => void;
  regenerate: (conversationId: number, messageId: number) => void;
  retry: (conversationId: number) => void;
  stop: (conversationId: number) => Promise<void>;
}

const StreamsContext = createContext<Streams | null>(null);

export function useStreams(): Streams {
  const streams = useContext(StreamsContext);
  if (!streams) throw new Error("useStreams outside ChatStreamsProvider");
  return streams;
}

export function ChatStreamsProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation("chat");
  const client = useQueryClient();
  const [turns, setTurns] = useState<Record<number, LiveTurn>>({});
  const latest = useRef<Record<number, LiveTurn>>({});
  const aborts = useRef<Record<number, AbortController>>({});

  const put = useCallback((turn: LiveTurn) => {
    latest.current = { ...latest.current, [turn.conversationId]: turn };
    setTurns(latest.current);
  }, []);

  const drop = useCallback((conversationId: number) => {
    const rest = { ...latest.current };
    delete rest[conversationId];
    latest.current = rest;
    setTurns(rest);
  }, []);

  const run = useCallback(
    async (start: LiveTurn) => {
      const id = start.conversationId;
      aborts.current[id]?.abort();
      const controller = new AbortController();
      aborts.current[id] = controller;
      let turn = start;
      put(turn);
      try {
        const request = start.regenerateOf != null ? { regenerate: start.regenerateOf } : { content: start.question };
        const body = await openChatStream(id, request, controller.signal);
        void client.invalidateQueries({ queryKey: keys.conversations });
        for await (const event of readChatEvents(body)) {
          turn = applyEvent(turn, event);
          put(turn);
        }
        turn = endOfStream(turn, t("errors.streamCut"));
        put(turn);
      } catch (error) {
        if (controller.signal.aborted) {
          turn = { ...turn, status: "stopped" };
        } else {
          const network = error instanceof TypeError; // fetch rejects with a TypeError offline
          turn = {
            ...turn,
            status: "failed",
            error: {
              code: error instanceof ApiError ? error.code : "network",
              message: network ? t("errors.network") : errorMessage(error),
            },
          };
        }
        put(turn);
      } finally {
        if (aborts.current[id] === controller) delete aborts.current[id];
      }
      // The stored conversation now has the answer with everything the stream did not carry (the
      // results of tools, generated files); the live copy goes once the stored one is loaded.
      await Promise.all([
        client.invalidateQueries({ queryKey: keys.conversation(id) }),
        client.invalidateQueries({ queryKey: keys.conversations }),
      ]);
      if (turn.status !== "failed" && latest.current[id] === turn) drop(id);
    },
    [client, drop, put, t],
  );

  const ask = useCallback((conversationId: number, question: string) => void run(newTurn(conversationId, question)), [run]);

  const regenerate = useCallback(
    (conversationId: number, messageId: number) => void run(newTurn(conversationId, "", messageId)),
    [run],
  );

  const retry = useCallback(
    (conversationId: number) => {
      const failed = latest.current[conversationId];
      if (!failed) return;
      // An answer the server stored (and failed) is written again; a question that never reached
      // the server is sent again.
      if (failed.messageId != null) void run(newTurn(conversationId, failed.question, failed.messageId));
      else if (failed.regenerateOf != null) void run(newTurn(conversationId, "", failed.regenerateOf));
      else void run(newTurn(conversationId, failed.question));
    },
    [run],
  );

  const stop = useCallback(async (conversationId: number) => {
    const turn = latest.current[conversationId];
    if (!isActive(turn)) return;
    if (turn?.messageId != null) {
      // The server stops the answer and ends the stream with message.completed (stopped).
      const result = await api.POST("/api/v1/conversations/{conversation_id}/messages/{message_id}/stop/", {
        params: { path: { conversation_id: conversationId, message_id: turn.messageId } },
      });
      if (result.response.ok) return;
    }
    aborts.current[conversationId]?.abort();
  }, []);

  const value = useMemo(() => ({ turns, ask, regenerate, retry, stop }), [turns, ask, regenerate, retry, stop]);
  return <StreamsContext.Provider value={value}>{children}</StreamsContext.Provider>;
}
