import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { TaskMarkdown } from "./TaskMarkdown";

const TABLE = `| request | status |
| --- | ---: |
| \`GET /health\` | 200 |
| ~~\`GET /old\`~~ | 410 |
`;

describe("TaskMarkdown", () => {
  it("renders a GitHub-flavoured table, in a box that scrolls sideways", () => {
    render(<TaskMarkdown>{TABLE}</TaskMarkdown>);

    const table = screen.getByRole("table");
    expect(within(table).getAllByRole("columnheader").map((cell) => cell.textContent)).toEqual(["request", "status"]);
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((row) => within(row).getAllByRole("cell").map((cell) => cell.textContent))).toEqual([
      ["GET /health", "200"],
      ["GET /old", "410"],
    ]);
    expect(within(rows[1]!).getByText("GET /old").closest("del")).not.toBeNull();
    expect(table.parentElement).toHaveClass("table-scroll");
    expect(screen.queryByText(/\|/)).toBeNull();
  });

  it("renders task lists and autolinks", () => {
    render(<TaskMarkdown>{"- [x] read the task\n- [ ] pass the check\n\nDocs: https://docs.python.org/3/"}</TaskMarkdown>);

    const boxes = screen.getAllByRole("checkbox");
    expect(boxes.map((box) => (box as HTMLInputElement).checked)).toEqual([true, false]);
    expect(boxes.every((box) => (box as HTMLInputElement).disabled)).toBe(true);
    expect(screen.getByRole("link", { name: "https://docs.python.org/3/" })).toHaveAttribute(
      "href",
      "https://docs.python.org/3/",
    );
  });

  it("highlights a fenced code block by its language and leaves others plain", () => {
    const { container } = render(
      <TaskMarkdown>
        {"```python\ndef greet(name):\n    return f'Hello, {name}!'\n```\n\n```\nplain text\n```\n\n" +
          "```console\n$ ls -l\n```\n\n```cobol\nDISPLAY 'HI'.\n```"}
      </TaskMarkdown>,
    );

    const [python, plain, console, unknown] = Array.from(container.querySelectorAll("pre code"));
    expect(python).toHaveClass("hljs", "language-python");
    expect(within(python as HTMLElement).getByText("def")).toHaveClass("hljs-keyword");
    expect(within(python as HTMLElement).getByText("greet")).toHaveClass("hljs-title");
    expect(python).toHaveTextContent("def greet(name): return f'Hello, {name}!'");
    expect(plain!.querySelector("span")).toBeNull();
    expect(plain).toHaveTextContent("plain text");
    expect(within(console as HTMLElement).getByText("$")).toHaveClass("hljs-meta");
    expect(unknown!.querySelector("span")).toBeNull();
    expect(unknown).toHaveTextContent("DISPLAY 'HI'.");
  });

  it("leaves out a first heading that repeats the title the page shows, and no other", () => {
    const { unmount } = render(
      <TaskMarkdown title="An HTTP server">{"# An  *HTTP* server\n\nServe JSON.\n\n# An HTTP server"}</TaskMarkdown>,
    );
    expect(screen.getAllByRole("heading").map((heading) => heading.textContent)).toEqual(["An HTTP server"]);
    expect(screen.getByText("Serve JSON.").previousElementSibling).toBeNull();
    unmount();

    render(<TaskMarkdown title="An HTTP server">{"# A different title\n\nServe JSON."}</TaskMarkdown>);
    expect(screen.getByRole("heading", { level: 1, name: "A different title" })).toBeInTheDocument();
  });

  it("renders no raw HTML", () => {
    const { container } = render(<TaskMarkdown>{"<script>alert(1)</script>\n\n<b>bold</b>"}</TaskMarkdown>);
    expect(container.querySelector("script, b")).toBeNull();
  });
});
