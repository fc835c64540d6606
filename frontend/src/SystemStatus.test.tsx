import { act, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { SystemStatus as Status } from "./api/types";
import { SystemStatus } from "./SystemStatus";
import { render } from "./test-utils";

const STATUS: Status = {
  version: "0.1.0",
  environment: "development",
  database: "embedded",
  queued_jobs: 0,
};

/** The <dt>/<dd> pairs of the status list, in document order. */
function definitionPairs(section: HTMLElement): Array<[string, string]> {
  const list = section.querySelector("dl");
  if (!list) throw new Error("no <dl> rendered");
  const pairs: Array<[string, string]> = [];
  for (const term of Array.from(list.querySelectorAll("dt"))) {
    const detail = term.nextElementSibling;
    expect(detail?.tagName).toBe("DD");
    pairs.push([term.textContent ?? "", detail?.textContent ?? ""]);
  }
  return pairs;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("SystemStatus", () => {
  it("renders each value as a term/description pair once loaded", async () => {
    render(<SystemStatus load={() => Promise.resolve(STATUS)} />);

    const section = screen.getByRole("region", { name: "System status" });
    expect(await within(section).findByText("0.1.0")).toBeInTheDocument();
    expect(definitionPairs(section)).toEqual([
      ["Version", "0.1.0"],
      ["Environment", "development"],
      ["Database", "embedded"],
      ["Queued jobs", "0"],
    ]);
    expect(screen.queryByText("Loading status…")).not.toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("shows an alert when the server cannot be reached", async () => {
    render(<SystemStatus load={() => Promise.reject(new Error("HTTP 503"))} />);

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/^Could not reach the server/);
    expect(alert).toHaveTextContent("HTTP 503");
    expect(screen.queryByText("Loading status…")).not.toBeInTheDocument();
    expect(document.querySelector("dl")).toBeNull();
  });

  it("shows the loading state until the status resolves", async () => {
    const pending = deferred<Status>();
    render(<SystemStatus load={() => pending.promise} />);

    const section = screen.getByRole("region", { name: "System status" });
    expect(within(section).getByText("Loading status…")).toBeInTheDocument();
    expect(section.querySelector("dl")).toBeNull();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();

    await act(async () => {
      pending.resolve({ ...STATUS, queued_jobs: 7 });
      await pending.promise;
    });

    expect(screen.queryByText("Loading status…")).not.toBeInTheDocument();
    expect(definitionPairs(section)).toContainEqual(["Queued jobs", "7"]);
  });
});
