import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { Pager, useCursors } from "./paging";

/** Shows the current cursor; the next page's cursor is the current one plus "+". */
function Pages({ last }: { last: number }) {
  const cursors = useCursors<string>();
  const page = cursors.page;
  return (
    <>
      <p>after: {cursors.after ?? "none"}</p>
      <button type="button" onClick={cursors.reset}>
        First
      </button>
      <Pager cursors={cursors} next={page < last ? `${cursors.after ?? ""}+` : null} />
    </>
  );
}

describe("useCursors and Pager", () => {
  it("walks forward with each page's next cursor, back by popping, and stops on the last page", async () => {
    render(<Pages last={3} />);
    const previous = screen.getByRole("button", { name: "Previous" });
    const next = screen.getByRole("button", { name: "Next" });
    expect(screen.getByText("after: none")).toBeInTheDocument();
    expect(previous).toBeDisabled();

    await userEvent.click(next);
    await userEvent.click(next);
    expect(screen.getByText("after: ++")).toBeInTheDocument();
    expect(next).toBeDisabled();

    await userEvent.click(previous);
    expect(screen.getByText("after: +")).toBeInTheDocument();
    expect(next).toBeEnabled();
    await userEvent.click(screen.getByRole("button", { name: "First" }));
    expect(screen.getByText("after: none")).toBeInTheDocument();
    expect(previous).toBeDisabled();
  });
});
