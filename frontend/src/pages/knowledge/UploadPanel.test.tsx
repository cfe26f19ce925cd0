import { act, fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import i18n from "../../i18n";
import { UploadPanel } from "./UploadPanel";
import { UploadQueue, type Transport, type UploadOutcome } from "./uploadQueue";

describe("UploadPanel", () => {
  it("shows each file's stage, progress and the server's reason, and cancels a file", async () => {
    await i18n.changeLanguage("vi");
    const answers: ((outcome: UploadOutcome) => void)[] = [];
    const signals: AbortSignal[] = [];
    const transport: Transport = (_file, onProgress, signal) =>
      new Promise((resolve, reject) => {
        onProgress(5, 10);
        signals.push(signal);
        signal.addEventListener("abort", () => reject(new Error("aborted")));
        answers.push(resolve);
      });
    const queue = new UploadQueue({ transport, concurrency: 2 });
    render(<UploadPanel queue={queue} />);
    act(() => {
      queue.add([new File(["0123456789"], "quy-che.docx"), new File(["x"], "luong.exe")]);
    });
    expect(screen.getAllByText("Đang tải lên")).toHaveLength(2);
    expect(screen.getByLabelText("Tiến độ của quy-che.docx")).toBeTruthy();

    await act(async () => {
      answers[1]({
        filename: "luong.exe",
        outcome: "created",
        reason: "định dạng tệp không được hỗ trợ",
        document: { id: 4, status: "failed", progress: 0, failure_reason: "định dạng tệp không được hỗ trợ" },
      });
      await Promise.resolve();
    });
    expect(screen.getByText("Lỗi")).toBeTruthy();
    expect(screen.getByText("định dạng tệp không được hỗ trợ")).toBeTruthy();

    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Hủy quy-che.docx" }));
      await Promise.resolve();
    });
    expect(signals[0].aborted).toBe(true);
    expect(await screen.findByText("Đã hủy")).toBeTruthy();
  });
});
