// The audit log: filters (actor, department, action, target, dates), the events page by page, an
// event's before/after diff in a drawer, and export of what the filters select as CSV or JSON Lines.
import { CopyOutlined, DownloadOutlined } from "@ant-design/icons";
import { App, Button, DatePicker, Descriptions, Drawer, Form, Input, Select, Space, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import { useAuth } from "../../auth/AuthProvider";
import { QueryError } from "../../components/PageState";
import { AUDIT_PAGE_SIZE, exportUrl, useAuditEvents, useDepartments, type AuditEvent, type AuditFilters } from "./api";
import { DiffView } from "./DiffView";

export function AuditLog() {
  const { t, i18n } = useTranslation("audit");
  const { t: tc } = useTranslation();
  const { message } = App.useApp();
  const [filters, setFilters] = useState<AuditFilters>({});
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<AuditEvent | null>(null);
  const auth = useAuth();
  const departments = useDepartments();
  // A department admin reads their departments' log only; filtering on another one is refused.
  const administered = new Set(auth.departmentsWith("dept_admin").map((d) => d.id));
  const filterable = (departments.data ?? []).filter((d) => auth.isOrgAdmin || auth.isAuditor || administered.has(d.id));
  const query = useAuditEvents(filters, page);
  const departmentName = useMemo(
    () => new Map((departments.data ?? []).map((d) => [d.id, d.name])),
    [departments.data],
  );
  const actors = useMemo(() => {
    const seen = new Map<number, string>();
    for (const event of query.data?.results ?? []) if (event.actor) seen.set(event.actor, event.actor_label);
    return [...seen].map(([value, label]) => ({ value, label }));
  }, [query.data]);

  function apply(values: {
    actor?: number;
    department?: number;
    action?: string;
    target_type?: string;
    target_id?: string;
    dates?: [Dayjs | null, Dayjs | null] | null;
  }) {
    const [from, to] = values.dates ?? [null, null];
    setPage(1);
    setFilters({
      actor: values.actor,
      department: values.department,
      action: values.action?.trim(),
      target_type: values.target_type?.trim(),
      target_id: values.target_id?.trim(),
      since: from ? from.startOf("day").toISOString() : undefined,
      until: to ? to.add(1, "day").startOf("day").toISOString() : undefined,
    });
  }

  const format = (value: string) => dayjs(value).locale(i18n.language).format("DD/MM/YYYY HH:mm:ss");

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Form layout="inline" onFinish={apply} name="audit-filters" style={{ rowGap: 8 }}>
        <Form.Item name="actor" label={t("filters.actor")}>
          <Select allowClear showSearch optionFilterProp="label" options={actors} style={{ minWidth: 180 }} />
        </Form.Item>
        <Form.Item name="department" label={t("filters.department")}>
          <Select
            allowClear
            showSearch
            optionFilterProp="label"
            style={{ minWidth: 180 }}
            options={filterable.map((d) => ({ value: d.id, label: d.name }))}
          />
        </Form.Item>
        <Form.Item name="action" label={t("filters.action")}>
          <Input placeholder="assistant.publish" style={{ width: 180 }} />
        </Form.Item>
        <Form.Item name="target_type" label={t("filters.targetType")}>
          <Input placeholder="assistant" style={{ width: 140 }} />
        </Form.Item>
        <Form.Item name="target_id" label={t("filters.targetId")}>
          <Input style={{ width: 100 }} />
        </Form.Item>
        <Form.Item name="dates" label={t("filters.dates")}>
          <DatePicker.RangePicker format="DD/MM/YYYY" />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button type="primary" htmlType="submit">
              {t("filters.apply")}
            </Button>
            <Button href={exportUrl(filters, "csv")} icon={<DownloadOutlined />}>
              {t("export.csv")}
            </Button>
            <Button href={exportUrl(filters, "jsonl")} icon={<DownloadOutlined />}>
              {t("export.jsonl")}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      {query.error ? (
        <QueryError error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <Table<AuditEvent>
          rowKey="id"
          size="middle"
          loading={query.isLoading}
          dataSource={query.data?.results ?? []}
          scroll={{ x: 800 }}
          locale={{ emptyText: t("log.empty") }}
          pagination={{
            current: page,
            pageSize: AUDIT_PAGE_SIZE,
            total: query.data?.count ?? 0,
            showSizeChanger: false,
            onChange: setPage,
          }}
          onRow={(event) => ({ onClick: () => setSelected(event) })}
          columns={[
            { title: t("log.time"), dataIndex: "created_at", width: 170, render: format },
            { title: t("log.actor"), dataIndex: "actor_label", ellipsis: true },
            {
              title: t("log.action"),
              dataIndex: "action",
              render: (action: string) => <Tag>{action}</Tag>,
            },
            {
              title: t("log.target"),
              key: "target",
              render: (_, event) => (
                <>
                  <Typography.Text type="secondary">{event.target_type}</Typography.Text> {event.target_label || event.target_id}
                </>
              ),
            },
            {
              title: t("log.department"),
              dataIndex: "department",
              render: (id: number | null) => (id ? departmentName.get(id) ?? id : "—"),
            },
            {
              title: "",
              key: "open",
              width: 110,
              render: (_, event) => (
                <Button size="small" onClick={() => setSelected(event)}>
                  {t("log.details")}
                </Button>
              ),
            },
          ]}
        />
      )}
      <Drawer
        open={selected !== null}
        onClose={() => setSelected(null)}
        size="large"
        title={selected ? `${selected.action} — ${selected.target_label || selected.target_id}` : ""}
      >
        {selected && (
          <Space orientation="vertical" size="large" style={{ width: "100%" }}>
            <Button
              icon={<CopyOutlined />}
              onClick={() =>
                void navigator.clipboard
                  ?.writeText(JSON.stringify(selected, null, 2))
                  .then(() => message.success(tc("actions.copied")))
              }
            >
              {t("log.copyJson")}
            </Button>
            <Descriptions
              size="small"
              column={1}
              bordered
              items={[
                { key: "time", label: t("log.time"), children: format(selected.created_at) },
                { key: "actor", label: t("log.actor"), children: selected.actor_label },
                { key: "target", label: t("log.target"), children: `${selected.target_type} #${selected.target_id}` },
                { key: "ip", label: t("log.ip"), children: selected.ip || "—" },
                { key: "request", label: t("log.requestId"), children: selected.request_id || "—" },
                { key: "hash", label: t("log.hash"), children: <Typography.Text code>{selected.hash.slice(0, 16)}…</Typography.Text> },
              ]}
            />
            <div>
              <Typography.Title level={4}>{t("diff.title")}</Typography.Title>
              <DiffView before={selected.before} after={selected.after} />
            </div>
          </Space>
        )}
      </Drawer>
    </Space>
  );
}
