import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GatewayClient } from "../api/gateway";
import type { FileEntry } from "../api/types";
import { jsonResponse, mockFetch } from "../test-utils";
import { FileTree } from "./FileTree";

const GW = "https://gw.test/environments/e1";

const entry = (name: string, kind: FileEntry["kind"] = "file"): FileEntry => ({
  name,
  kind,
  size: 10,
  mode: "644",
  modified: "2025-01-01T00:00:00Z",
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function setup(files: Record<string, FileEntry[]>) {
  const listing = (url: string) => {
    const path = new URL(url).searchParams.get("path") ?? ".";
    const entries = files[path];
    return entries ? jsonResponse({ path, entries }) : jsonResponse({ detail: "not found" }, 404);
  };
  const mock = mockFetch({
    [`GET ${GW}/files`]: (call) => listing(call.url),
    [`PUT ${GW}/files`]: () => new Response(null, { status: 204 }),
    [`DELETE ${GW}/files`]: () => new Response(null, { status: 204 }),
    [`POST ${GW}/files/rename`]: () => new Response(null, { status: 204 }),
  });
  const gateway = new GatewayClient({ gatewayUrl: "https://gw.test/", environmentId: "e1", getToken: () => "tkn" });
  const handlers = {
    onOpen: vi.fn(),
    onCreated: vi.fn(),
    onRenamed: vi.fn(),
    onDeleted: vi.fn(),
    beforeChange: vi.fn(async () => undefined),
  };
  render(<FileTree gateway={gateway} {...handlers} />);
  return { ...mock, handlers, files };
}

describe("FileTree", () => {
  it("lists the workspace, directories first, and opens files", async () => {
    const { handlers } = setup({
      ".": [entry("main.py"), entry("src", "directory"), entry("README.md")],
      src: [entry("util.py")],
    });

    const tree = screen.getByRole("tree", { name: "Files" });
    await within(tree).findByRole("treeitem", { name: "main.py" });
    const items = within(tree).getAllByRole("treeitem");
    expect(items.map((item) => item.getAttribute("aria-label"))).toEqual(["src", "main.py", "README.md"]);

    await userEvent.click(within(tree).getByText("main.py"));
    expect(handlers.onOpen).toHaveBeenCalledWith("main.py");

    // Expand the directory: its listing is fetched on demand.
    const src = within(tree).getByRole("treeitem", { name: "src" });
    expect(src).toHaveAttribute("aria-expanded", "false");
    await userEvent.click(within(src).getByText("src"));
    expect(await within(tree).findByRole("treeitem", { name: "util.py" })).toBeInTheDocument();
    expect(src).toHaveAttribute("aria-expanded", "true");
  });

  it("is keyboard navigable", async () => {
    const { handlers } = setup({ ".": [entry("a.py"), entry("b.py")] });
    const first = await screen.findByRole("treeitem", { name: "a.py" });
    expect(first).toHaveAttribute("tabindex", "0");

    act(() => first.focus());
    await userEvent.keyboard("{ArrowDown}");
    const second = screen.getByRole("treeitem", { name: "b.py" });
    expect(second).toHaveFocus();
    await userEvent.keyboard("{Enter}");
    expect(handlers.onOpen).toHaveBeenCalledWith("b.py");
  });

  it("creates a file with PUT and the bearer token", async () => {
    const { calls, handlers, files } = setup({ ".": [entry("main.py")] });
    await screen.findByRole("treeitem", { name: "main.py" });

    await userEvent.click(screen.getByRole("button", { name: "New file" }));
    await userEvent.type(screen.getByLabelText("File name"), "notes.txt");
    files["."] = [entry("main.py"), entry("notes.txt")];
    await userEvent.click(screen.getByRole("button", { name: "Create" }));

    await waitFor(() => expect(handlers.onCreated).toHaveBeenCalledWith("notes.txt"));
    const put = calls.find((call) => call.method === "PUT")!;
    expect(put.url).toBe(`${GW}/files?path=notes.txt&mode=644`);
    expect(put.headers.get("Authorization")).toBe("Bearer tkn");
    expect(await screen.findByRole("treeitem", { name: "notes.txt" })).toBeInTheDocument();
  });

  it("leaves the focus to whoever opens a new file (the IDE gives it to the editor)", async () => {
    const { handlers, files } = setup({ ".": [entry("main.py")] });
    const editor = document.createElement("textarea");
    document.body.append(editor);
    handlers.onCreated.mockImplementation(() => editor.focus());
    await screen.findByRole("treeitem", { name: "main.py" });

    await userEvent.click(screen.getByRole("button", { name: "New file" }));
    await userEvent.type(screen.getByLabelText("File name"), "notes.py");
    files["."] = [entry("main.py"), entry("notes.py")];
    await userEvent.click(screen.getByRole("button", { name: "Create" }));

    const created = await screen.findByRole("treeitem", { name: "notes.py" });
    expect(handlers.onCreated).toHaveBeenCalledWith("notes.py");
    expect(editor).toHaveFocus();
    expect(created).toHaveAttribute("tabindex", "0"); // the tree's tab stop moves to the new file all the same
    editor.remove();
  });

  it("renames the selected file", async () => {
    const { calls, handlers, files } = setup({ ".": [entry("main.py")] });
    await userEvent.click(await screen.findByText("main.py"));

    await userEvent.click(screen.getByRole("button", { name: "Rename" }));
    const input = screen.getByLabelText("New name for main.py");
    await userEvent.clear(input);
    await userEvent.type(input, "app.py");
    files["."] = [entry("app.py")];
    await userEvent.click(screen.getByRole("button", { name: "Save name" }));

    await waitFor(() => expect(handlers.onRenamed).toHaveBeenCalledWith("main.py", "app.py"));
    expect(handlers.beforeChange).toHaveBeenCalledWith("main.py");
    const rename = calls.find((call) => call.method === "POST")!;
    expect(rename.url).toBe(`${GW}/files/rename`);
    expect(rename.body).toEqual({ source: "main.py", target: "app.py" });
    expect(await screen.findByRole("treeitem", { name: "app.py" })).toBeInTheDocument();
  });

  it("deletes the selected file after confirmation", async () => {
    const { calls, handlers, files } = setup({ ".": [entry("main.py"), entry("old.py")] });
    await userEvent.click(await screen.findByText("old.py"));

    await userEvent.click(screen.getByRole("button", { name: "Delete" }));
    const dialog = screen.getByRole("alertdialog", { name: "Delete old.py?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(calls.some((call) => call.method === "DELETE")).toBe(false);

    await userEvent.click(screen.getByRole("button", { name: "Delete" }));
    files["."] = [entry("main.py")];
    await userEvent.click(
      within(screen.getByRole("alertdialog", { name: "Delete old.py?" })).getByRole("button", { name: "Confirm" }),
    );

    await waitFor(() => expect(handlers.onDeleted).toHaveBeenCalledWith("old.py"));
    const del = calls.find((call) => call.method === "DELETE")!;
    expect(del.url).toBe(`${GW}/files?path=old.py`);
    await waitFor(() => expect(screen.queryByRole("treeitem", { name: "old.py" })).not.toBeInTheDocument());
  });
});
