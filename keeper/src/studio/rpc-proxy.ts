// A read-only JSON-RPC window onto the keeper's chain, for the Studio page: the page reads the
// contracts same-origin (no CORS on the node, no RPC URL or API key handed to browsers) and
// sends transactions through the user's wallet, never through here. Only methods that read are
// forwarded; a request is bounded in size and time.
import type { IncomingMessage, ServerResponse } from "node:http";

/** What the page needs to read contracts, logs and receipts; nothing that writes or signs. */
export const READ_METHODS: ReadonlySet<string> = new Set([
  "eth_chainId",
  "net_version",
  "eth_blockNumber",
  "eth_call",
  "eth_estimateGas",
  "eth_getLogs",
  "eth_getBalance",
  "eth_getCode",
  "eth_getTransactionCount",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_feeHistory",
]);
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_BATCH = 50;
const TIMEOUT_MS = 10_000;

interface RpcRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

type RpcReply = { jsonrpc: "2.0"; id: unknown; result?: unknown; error?: { code: number; message: string } };

function refusal(req: RpcRequest, code: number, message: string): RpcReply {
  return { jsonrpc: "2.0", id: req.id ?? null, error: { code, message } };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Forwards allowed calls to `rpcUrl` (one upstream batch), answers the others with a JSON-RPC error. */
export async function proxyRpc(rpcUrl: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const text = await readBody(req);
  if (text === undefined) return send(413, refusal({}, -32600, `request larger than ${MAX_BODY_BYTES} bytes`));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return send(400, refusal({}, -32700, "parse error"));
  }
  const batch = Array.isArray(parsed);
  const calls = (batch ? parsed : [parsed]) as RpcRequest[];
  if (calls.length === 0 || calls.length > MAX_BATCH) {
    return send(400, refusal({}, -32600, `a batch holds 1 to ${MAX_BATCH} calls`));
  }
  const replies: Array<RpcReply | undefined> = calls.map((c) =>
    typeof c !== "object" || c === null || typeof c.method !== "string"
      ? refusal({}, -32600, "invalid request")
      : READ_METHODS.has(c.method)
        ? undefined
        : refusal(
            c,
            -32601,
            `${c.method} is not served here: this keeper forwards reads only (send through your wallet)`,
          ),
  );
  const forward = calls.filter((_c, i) => replies[i] === undefined);
  if (forward.length > 0) {
    let upstream: unknown;
    try {
      const r = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(
          forward.map((c) => ({ jsonrpc: "2.0", id: c.id ?? null, method: c.method, params: c.params ?? [] })),
        ),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      upstream = await r.json();
    } catch (err) {
      return send(502, refusal({}, -32603, `chain unreachable: ${(err as Error).message}`));
    }
    const answers = Array.isArray(upstream) ? (upstream as RpcReply[]) : [];
    let next = 0;
    for (let i = 0; i < replies.length; i++) {
      if (replies[i] !== undefined) continue;
      const call = forward[next]!;
      replies[i] =
        answers.find((a) => a.id === (call.id ?? null)) ??
        answers[next] ??
        refusal(call, -32603, "no answer from the chain");
      next++;
    }
  }
  send(200, batch ? replies : replies[0]);
}
