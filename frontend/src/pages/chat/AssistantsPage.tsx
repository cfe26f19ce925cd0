// The assistants I may chat with (published ones): search, a department filter, cards with their
// description and conversation starters.
import { MessageOutlined, SearchOutlined } from "@ant-design/icons";
import { App, Avatar, Button, Card, Col, Input, Row, Select, Space, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { errorMessage } from "../../api/errors";
import { EmptyState, QueryState } from "../../components/PageState";
import { useAssistants, useCreateConversation, type Assistant } from "./api";
import { useStreams } from "./streams";

/** Assistants whose name, description or department contain every word of the search. */
export function filterAssistants(assistants: readonly Assistant[], search: string, department: number | null): Assistant[] {
  const fold = (s: string) => s.normalize("NFD").replace(/\p{Diacritic}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  const words = fold(search).split(/\s+/).filter(Boolean);
  return assistants.filter((assistant) => {
    if (department != null && assistant.department !== department) return false;
    const haystack = fold(`${assistant.name} ${assistant.description} ${assistant.department_name}`);
    return words.every((word) => haystack.includes(word));
  });
}

function AssistantCard({ assistant }: { assistant: Assistant }) {
  const { t } = useTranslation("chat");
  const navigate = useNavigate();
  const { message } = App.useApp();
  const create = useCreateConversation();
  const streams = useStreams();

  const startWith = async (question: string) => {
    try {
      const conversation = await create.mutateAsync(assistant.id);
      streams.ask(conversation.id, question);
      navigate(`/chat/c/${conversation.id}`);
    } catch (error) {
      message.error(errorMessage(error));
    }
  };

  return (
    <Card className="chat-assistant-card" data-testid="assistant-card">
      <Space align="start" size={12} className="chat-assistant-card-head">
        <Avatar size={44} className="chat-assistant-avatar" aria-hidden>
          {assistant.avatar || assistant.name.slice(0, 1)}
        </Avatar>
        <div>
          <Typography.Title level={2} className="chat-assistant-name">
            {assistant.name}
          </Typography.Title>
          <Tag>{assistant.department_name}</Tag>
        </div>
      </Space>
      <Typography.Paragraph type="secondary" ellipsis={{ rows: 3 }} className="chat-assistant-description">
        {assistant.description || t("assistants.noDescription")}
      </Typography.Paragraph>
      {assistant.conversation_starters.length > 0 && (
        <div className="chat-starters" aria-label={t("assistants.starters")} role="group">
          {assistant.conversation_starters.slice(0, 3).map((starter) => (
            <Button key={starter} size="small" className="chat-starter" disabled={create.isPending} onClick={() => void startWith(starter)}>
              {starter}
            </Button>
          ))}
        </div>
      )}
      <Button
        type="primary"
        icon={<MessageOutlined />}
        onClick={() => navigate(`/chat/a/${assistant.id}`)}
        aria-label={t("assistants.chatWith", { name: assistant.name })}
      >
        {t("assistants.chat")}
      </Button>
    </Card>
  );
}

export function AssistantsPage() {
  const { t } = useTranslation("chat");
  const query = useAssistants();
  const [search, setSearch] = useState("");
  const [department, setDepartment] = useState<number | null>(null);
  const departments = useMemo(() => {
    const seen = new Map<number, string>();
    for (const assistant of query.data ?? []) seen.set(assistant.department, assistant.department_name);
    return [...seen].sort((a, b) => a[1].localeCompare(b[1], "vi")).map(([value, label]) => ({ value, label }));
  }, [query.data]);
  const shown = useMemo(() => filterAssistants(query.data ?? [], search, department), [query.data, search, department]);

  return (
    <div className="chat-assistants">
      <Typography.Title level={1} className="chat-page-title">
        {t("assistants.title")}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t("assistants.subtitle")}</Typography.Paragraph>
      <QueryState query={query} isEmpty={(items) => items.length === 0} empty={<EmptyState description={t("assistants.none")} />}>
        {() => (
          <>
            <Row gutter={[12, 12]} className="chat-filters">
              <Col xs={24} md={14}>
                <Input
                  allowClear
                  prefix={<SearchOutlined aria-hidden />}
                  placeholder={t("assistants.searchPlaceholder")}
                  aria-label={t("assistants.search")}
                  value={search}
                  onChange={(event) => setSearch(event.target.value)}
                />
              </Col>
              <Col xs={24} md={10}>
                <Select
                  allowClear
                  style={{ width: "100%" }}
                  placeholder={t("assistants.allDepartments")}
                  aria-label={t("assistants.department")}
                  options={departments}
                  value={department ?? undefined}
                  onChange={(value: number | undefined) => setDepartment(value ?? null)}
                />
              </Col>
            </Row>
            {shown.length === 0 ? (
              <EmptyState description={t("assistants.noMatch")} />
            ) : (
              <Row gutter={[16, 16]}>
                {shown.map((assistant) => (
                  <Col key={assistant.id} xs={24} md={12} xl={8}>
                    <AssistantCard assistant={assistant} />
                  </Col>
                ))}
              </Row>
            )}
          </>
        )}
      </QueryState>
    </div>
  );
}
