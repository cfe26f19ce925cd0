// One card of the draft's form, under its heading.
import { Card, Typography } from "antd";
import type { ReactNode } from "react";

export function DraftSection({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card
      style={{ marginBottom: 16 }}
      title={
        <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
          {title}
        </Typography.Title>
      }
    >
      {children}
    </Card>
  );
}
