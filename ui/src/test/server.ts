// A stand-in for keel's HTTP API in component tests: fetch answered by route handlers, every call kept.
import { vi } from "vitest";

export interface Call {
  url: string;
  method: string;
  body: Record<string, unknown> | null;
}

type Handler = (call: Call) => Response | Promise<Response> | unknown;

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** A request that never answers: the component stays in its loading state. */
export const never = () => new Promise<Response>(() => {});

/**
 * Stub `fetch` with `routes`: the first route whose key is a substring of the URL answers.
 * A handler may return a Response, or any other value to send as JSON.
 */
export function serve(routes: Record<string, Handler>): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: RequestInit) => {
      const call: Call = {
        url: String(url),
        method: init?.method ?? "GET",
        body: init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : null,
      };
      calls.push(call);
      const route = Object.keys(routes).find((key) => call.url.includes(key));
      if (!route) return json({ error_code: "ENDPOINT_NOT_FOUND", message: `no route for ${call.url}` }, 404);
      const answer = await routes[route]!(call);
      return answer instanceof Response ? answer : json(answer ?? {});
    }),
  );
  return calls;
}
