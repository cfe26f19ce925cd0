// Where the question is written: Enter sends, Shift+Enter starts a new line; while an answer
// streams, the send button becomes a stop button. Files can be attached.
import { PaperClipOutlined, SendOutlined, StopOutlined } from "@ant-design/icons";
import { Button, Input, Tooltip } from "antd";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";

export const MAX_QUESTION = 8000;

export function Composer({
  streaming,
  busy,
  onSend,
  onStop,
  onAttach,
}: {
  streaming: boolean;
  busy: boolean;
  onSend: (question: string) => Promise<boolean> | boolean;
  onStop: () => void;
  onAttach: (files: File[]) => void;
}) {
  const { t } = useTranslation("chat");
  const [value, setValue] = useState("");
  const fileInput = useRef<HTMLInputElement>(null);
  const question = value.trim();

  const send = async () => {
    if (!question || streaming || busy) return;
    if (await onSend(question)) setValue("");
  };

  return (
    <div className="chat-composer">
      <label htmlFor="chat-question" className="chat-visually-hidden">
        {t("composer.label")}
      </label>
      <Input.TextArea
        id="chat-question"
        value={value}
        maxLength={MAX_QUESTION}
        autoSize={{ minRows: 1, maxRows: 8 }}
        placeholder={t("composer.placeholder")}
        onChange={(event) => setValue(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            void send();
          }
        }}
      />
      <div className="chat-composer-actions">
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          aria-hidden
          tabIndex={-1}
          data-testid="attach-input"
          onChange={(event) => {
            const files = [...(event.target.files ?? [])];
            event.target.value = "";
            if (files.length) onAttach(files);
          }}
        />
        <Tooltip title={t("composer.attach")}>
          <Button icon={<PaperClipOutlined />} aria-label={t("composer.attach")} onClick={() => fileInput.current?.click()} disabled={busy} />
        </Tooltip>
        {streaming ? (
          <Button danger icon={<StopOutlined />} onClick={onStop}>
            {t("composer.stop")}
          </Button>
        ) : (
          <Button type="primary" icon={<SendOutlined />} onClick={() => void send()} disabled={!question || busy} loading={busy}>
            {t("composer.send")}
          </Button>
        )}
      </div>
      <p className="chat-composer-hint">{t("composer.hint")}</p>
    </div>
  );
}
