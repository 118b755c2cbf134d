// A test wallet injected into a page as window.ethereum (EIP-1193): requests cross into Node
// through a Playwright binding, where an ethers Wallet over a real local chain account signs
// and sends; reads are forwarded to the chain as raw JSON-RPC, so a revert reaches the page with
// its error data exactly as a browser wallet would pass it on.
import { getBytes, JsonRpcProvider, Wallet, type TypedDataField } from "ethers";
import type { BrowserContext } from "playwright-core";

export interface TestWalletOptions {
  rpcUrl: string;
  privateKey: string;
  chainId: bigint;
}

type Reply = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

/** The page side: a minimal EIP-1193 provider over the `__openmeshTestWallet` binding. */
const PAGE_SIDE = `(() => {
  const listeners = {};
  window.ethereum = {
    isOpenMeshTestWallet: true,
    async request({ method, params }) {
      const reply = await window.__openmeshTestWallet(method, params ?? []);
      if (reply.error) {
        const e = new Error(reply.error.message);
        e.code = reply.error.code;
        if (reply.error.data !== undefined) e.data = reply.error.data;
        throw e;
      }
      return reply.result;
    },
    on(event, fn) { (listeners[event] ??= []).push(fn); },
    removeListener(event, fn) { listeners[event] = (listeners[event] ?? []).filter((f) => f !== fn); },
  };
})();`;

export class TestWallet {
  readonly wallet: Wallet;
  /** every method the page asked for, in order */
  readonly calls: string[] = [];
  private readonly provider: JsonRpcProvider;
  private nextId = 1;
  private authorised = false;

  constructor(private readonly opts: TestWalletOptions) {
    this.provider = new JsonRpcProvider(opts.rpcUrl, opts.chainId, { staticNetwork: true, cacheTimeout: -1 });
    this.wallet = new Wallet(opts.privateKey, this.provider);
  }

  get address(): string {
    return this.wallet.address;
  }

  /** Injects the wallet into every page of `context` (before the page's own scripts run). */
  async inject(context: BrowserContext): Promise<void> {
    await context.exposeBinding("__openmeshTestWallet", (_source, method: string, params: unknown[]) =>
      this.handle(method, params),
    );
    await context.addInitScript(PAGE_SIDE);
  }

  destroy(): void {
    this.provider.destroy();
  }

  private async handle(method: string, params: unknown[]): Promise<Reply> {
    this.calls.push(method);
    try {
      switch (method) {
        case "eth_requestAccounts":
          this.authorised = true;
          return { result: [this.address] };
        case "eth_accounts":
          // as a browser wallet: no account until the page asked for one and the user agreed
          return { result: this.authorised ? [this.address] : [] };
        case "eth_chainId":
          return { result: "0x" + this.opts.chainId.toString(16) };
        case "wallet_switchEthereumChain":
          return { result: null };
        case "personal_sign":
          return { result: await this.wallet.signMessage(getBytes(params[0] as string)) };
        case "eth_signTypedData_v4": {
          const typed = JSON.parse(params[1] as string) as {
            domain: Record<string, unknown>;
            types: Record<string, TypedDataField[]>;
            message: Record<string, unknown>;
          };
          delete typed.types.EIP712Domain;
          return { result: await this.wallet.signTypedData(typed.domain, typed.types, typed.message) };
        }
        case "eth_sendTransaction": {
          const tx = params[0] as { to?: string; data?: string; value?: string; gas?: string };
          const sent = await this.wallet.sendTransaction({
            to: tx.to,
            data: tx.data,
            value: tx.value ? BigInt(tx.value) : 0n,
            gasLimit: tx.gas ? BigInt(tx.gas) : undefined,
          });
          return { result: sent.hash };
        }
        default:
          return await this.forward(method, params);
      }
    } catch (err) {
      const e = err as { code?: unknown; message?: string; data?: unknown };
      return {
        error: { code: typeof e.code === "number" ? e.code : -32603, message: e.message ?? String(err), data: e.data },
      };
    }
  }

  /** Raw JSON-RPC to the chain: the node's error object (with revert data) goes back untouched. */
  private async forward(method: string, params: unknown[]): Promise<Reply> {
    const r = await fetch(this.opts.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params }),
    });
    const body = (await r.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    return body.error ? { error: body.error } : { result: body.result ?? null };
  }
}
