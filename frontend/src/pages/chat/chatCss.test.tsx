import { render } from "@testing-library/react";
import { App as AntApp, ConfigProvider, Layout } from "antd";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// chat.css takes its colours from the CSS variables antd defines for its tokens: a misspelt
// variable would silently draw nothing.
describe("chat.css", () => {
  it("reads only colours antd defines as token variables", () => {
    render(
      <ConfigProvider theme={{ token: { colorPrimary: "#b3261e" } }}>
        <AntApp>
          <Layout>
            <div />
          </Layout>
        </AntApp>
      </ConfigProvider>,
    );
    const defined = [...document.querySelectorAll("style")].map((style) => style.textContent ?? "").join("\n");
    const sheet = readFileSync(`${__dirname}/chat.css`, "utf8");
    const used = [...new Set([...sheet.matchAll(/var\((--ant-[a-z-]+)\)/g)].map((match) => match[1]))];
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !defined.includes(`${name}:`))).toEqual([]);
    expect(sheet.match(/#[0-9a-f]{3,8}\b|rgba?\(/gi)).toBeNull();
  });
});
