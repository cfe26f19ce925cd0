import { render, screen } from "@testing-library/react";
import { App as AntApp } from "antd";
import { describe, expect, it } from "vitest";

import i18n from "../../i18n";
import { AnswerItem, answerOfLive } from "./MessageItem";
import { newTurn } from "./turn";

const actions = { canRegenerate: false, onRegenerate: () => undefined, onFeedback: () => undefined, onRetry: () => undefined };

describe("AnswerItem", () => {
  it("says which attached files the answer waits for, with their progress, instead of writing", async () => {
    await i18n.changeLanguage("vi");
    const turn = {
      ...newTurn(7, "Hạn nộp báo cáo là ngày nào?"),
      waitingFor: [
        { id: 9, filename: "bien_ban.pdf", status: "embedding", chunksDone: 3, chunksTotal: 8 },
        { id: 10, filename: "to_trinh.docx", status: "queued", chunksDone: 0, chunksTotal: 0 },
      ],
    };
    render(
      <AntApp>
        <AnswerItem answer={answerOfLive(turn)} assistantAvatar="" actions={actions} />
      </AntApp>,
    );
    expect(screen.getByRole("status").textContent).toContain("Đang chờ đọc xong tệp đính kèm: bien_ban.pdf (3/8), to_trinh.docx");
    expect(screen.queryByText(/Đang soạn câu trả lời/)).toBeNull();
  });

  it("writes as usual once no file is waited for", async () => {
    await i18n.changeLanguage("vi");
    render(
      <AntApp>
        <AnswerItem answer={answerOfLive(newTurn(7, "Câu hỏi"))} assistantAvatar="" actions={actions} />
      </AntApp>,
    );
    expect(screen.getByRole("status").textContent).toContain("Đang soạn câu trả lời");
  });
});
