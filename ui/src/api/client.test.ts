import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, queryString, request } from "./client";
import { orderByClause } from "../lib/columns";

afterEach(() => vi.unstubAllGlobals());

describe("api client", () => {
  it("writes lists as repeated keys and leaves out empty values", () => {
    expect(queryString({ run_ids: ["a", "b"], metric_key: "loss", start_step: undefined, n: 0 })).toBe(
      "?run_ids=a&run_ids=b&metric_key=loss&n=0",
    );
  });

  it("turns an MLflow error body into an ApiError with its code", async () => {
    const body = { error_code: "INVALID_PARAMETER_VALUE", message: "bad filter" };
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(body), { status: 400 })));
    const error = await request("/x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE", message: "bad filter" });
    expect((error as ApiError).isInvalidParameter).toBe(true);
  });

  it("says the server is unreachable when fetch itself fails", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    await expect(request("/x")).rejects.toMatchObject({ errorCode: "NETWORK_ERROR" });
  });

  it("quotes keys in order_by so any metric name sorts", () => {
    expect(orderByClause({ kind: "metric", key: "val loss" }, true)).toBe("metrics.`val loss` DESC");
    expect(orderByClause({ kind: "attribute", key: "start_time" }, false)).toBe("attributes.start_time ASC");
  });
});
