// The saved-answers client of @slicewise/embed against a recording fetch:
// the requests it makes (method, URL, token, body), a fresh token once after
// a 401, and the server's errors as SlicewiseApiError. Run by
// `node --test packages/embed/test` (cargo xtask test); the server side of
// the same calls is crates/server/tests/it/saved.rs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SlicewiseApiError, savedAnswers } from "../index.js";

/** A fetch that answers from `replies` in turn and records each request. */
function recorder(replies) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, ...init, body: init.body === undefined ? undefined : JSON.parse(init.body) });
    const [status, body] = replies.shift();
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
  };
  return { fetch, requests };
}

const ANSWER = { id: "0b6d7c4e-2d1f-4f7a-9c3e-5a1b2c3d4e5f", title: "Revenue", status: "ok" };

test("each call is one request with the token, to the saved-answers API", async () => {
  const { fetch, requests } = recorder([
    [200, { answers: [ANSWER] }],
    [201, ANSWER],
    [200, ANSWER],
    [200, { ...ANSWER, pinned: true }],
    [204],
  ]);
  let tokens = 0;
  const api = savedAnswers({
    server: "https://analytics.example.com/some/path",
    getToken: async () => `token-${++tokens}`,
    fetch,
  });
  assert.deepEqual(await api.list(), [ANSWER]);
  const created = await api.create({ title: "Revenue", question: "revenue", sql: "SELECT 1", chart: "bar" });
  assert.equal(created.id, ANSWER.id);
  await api.get(ANSWER.id);
  const changed = await api.update(ANSWER.id, { pinned: true, position: 0 });
  assert.equal(changed.pinned, true);
  assert.equal(await api.remove(ANSWER.id), undefined);
  const base = "https://analytics.example.com/api/v1/saved";
  assert.deepEqual(
    requests.map((r) => [r.method, r.url, r.headers.Authorization, r.body]),
    [
      ["GET", base, "Bearer token-1", undefined],
      ["POST", base, "Bearer token-2", { title: "Revenue", question: "revenue", sql: "SELECT 1", chart: "bar" }],
      ["GET", `${base}/${ANSWER.id}`, "Bearer token-3", undefined],
      ["PATCH", `${base}/${ANSWER.id}`, "Bearer token-4", { pinned: true, position: 0 }],
      ["DELETE", `${base}/${ANSWER.id}`, "Bearer token-5", undefined],
    ],
  );
  assert.equal(requests[1].headers["Content-Type"], "application/json");
  assert.equal(requests[0].headers["Content-Type"], undefined);
  assert.ok(requests.every((r) => r.credentials === "omit"), "no cookies: the token is the identity");
});

test("an id is one path segment, whatever it holds", async () => {
  const { fetch, requests } = recorder([[404, { error: { code: "saved_not_found", message: "No such saved answer." } }]]);
  const api = savedAnswers({ server: "https://a.example", getToken: () => "t", fetch });
  await assert.rejects(api.get("../../admin/audit?x"), SlicewiseApiError);
  assert.equal(requests[0].url, "https://a.example/api/v1/saved/..%2F..%2Fadmin%2Faudit%3Fx");
  await assert.rejects(api.get(""), TypeError);
});

test("a 401 gets a fresh token once; a second 401 is the caller's", async () => {
  const expired = { error: { code: "token_expired", message: "The embed token has expired; get a new one." } };
  const { fetch, requests } = recorder([[401, expired], [200, { answers: [] }], [401, expired], [401, expired]]);
  let n = 0;
  const api = savedAnswers({ server: "https://a.example", getToken: () => `t${++n}`, fetch });
  assert.deepEqual(await api.list(), []);
  assert.deepEqual(requests.map((r) => r.headers.Authorization), ["Bearer t1", "Bearer t2"]);
  const error = await api.list().catch((e) => e);
  assert.ok(error instanceof SlicewiseApiError);
  assert.equal(error.status, 401);
  assert.equal(error.code, "token_expired");
  assert.equal(requests.length, 4, "one retry per call, no more");
});

test("the server's errors keep their code, message and request id", async () => {
  const { fetch } = recorder([
    [400, { error: { code: "sql_unknown_table", message: "This SQL cannot be saved: table secrets is not in the catalog.", request_id: "r-1" } }],
    [403, { error: { code: "saved_not_owner", message: "Only the user who saved this answer may change or delete it." } }],
    [502],
  ]);
  const api = savedAnswers({ server: "https://a.example", getToken: () => "t", fetch });
  const refused = await api.create({ title: "t", question: "q", sql: "SELECT * FROM secrets" }).catch((e) => e);
  assert.deepEqual([refused.status, refused.code, refused.requestId], [400, "sql_unknown_table", "r-1"]);
  assert.match(refused.message, /cannot be saved/);
  const forbidden = await api.remove(ANSWER.id).catch((e) => e);
  assert.equal(forbidden.code, "saved_not_owner");
  const gateway = await api.list().catch((e) => e);
  assert.deepEqual([gateway.status, gateway.code], [502, "http_error"]);
});

test("a client needs a server and a token provider", () => {
  assert.throws(() => savedAnswers({ server: "", getToken: () => "t" }), TypeError);
  assert.throws(() => savedAnswers({ server: "https://a.example" }), TypeError);
});
