// Any EIP-1193 wallet (an injected browser wallet, or the test wallet the browser tests inject):
// connect, follow account and chain changes, hand out an ethers signer. No passwords, no keys here.
import { BrowserProvider, type JsonRpcSigner } from "ethers";
import { useCallback, useEffect, useState } from "preact/hooks";

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener?(event: string, listener: (...args: unknown[]) => void): void;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

export interface Wallet {
  /** no EIP-1193 provider in this browser */
  missing: boolean;
  account: string | null;
  /** the wallet's chain, as a decimal string */
  chainId: string | null;
  /** the wallet is on the keeper's chain */
  onRightChain: boolean;
  connecting: boolean;
  error: string | null;
  connect(): Promise<void>;
  switchChain(): Promise<void>;
  signer(): Promise<JsonRpcSigner>;
}

const toDecimal = (hex: unknown) => (typeof hex === "string" ? BigInt(hex).toString() : null);

export function useWallet(expectedChainId: string | null): Wallet {
  const eth = window.ethereum;
  const [account, setAccount] = useState<string | null>(null);
  const [chainId, setChainId] = useState<string | null>(null);
  const [connecting, setConnecting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!eth) return;
    const onAccounts = (...args: unknown[]) => {
      const list = args[0] as string[] | undefined;
      setAccount(list?.[0] ?? null);
    };
    const onChain = (...args: unknown[]) => setChainId(toDecimal(args[0]));
    eth.on?.("accountsChanged", onAccounts);
    eth.on?.("chainChanged", onChain);
    // already authorised accounts show without a prompt
    void eth
      .request({ method: "eth_accounts" })
      .then((a) => onAccounts(a))
      .catch(() => undefined);
    void eth
      .request({ method: "eth_chainId" })
      .then(onChain)
      .catch(() => undefined);
    return () => {
      eth.removeListener?.("accountsChanged", onAccounts);
      eth.removeListener?.("chainChanged", onChain);
    };
  }, [eth]);

  const connect = useCallback(async () => {
    if (!eth) return;
    setConnecting(true);
    setError(null);
    try {
      const accounts = (await eth.request({ method: "eth_requestAccounts" })) as string[];
      setAccount(accounts[0] ?? null);
      setChainId(toDecimal(await eth.request({ method: "eth_chainId" })));
    } catch (err) {
      setError((err as { message?: string }).message ?? String(err));
    } finally {
      setConnecting(false);
    }
  }, [eth]);

  const switchChain = useCallback(async () => {
    if (!eth || !expectedChainId) return;
    try {
      await eth.request({
        method: "wallet_switchEthereumChain",
        params: [{ chainId: "0x" + BigInt(expectedChainId).toString(16) }],
      });
      setChainId(toDecimal(await eth.request({ method: "eth_chainId" })));
    } catch (err) {
      setError((err as { message?: string }).message ?? String(err));
    }
  }, [eth, expectedChainId]);

  const signer = useCallback(async () => {
    if (!eth || !account) throw new Error("connect a wallet first");
    // the wallet's own polling, tuned like the read provider (a local chain mines at once)
    const provider = new BrowserProvider(eth, undefined, { pollingInterval: 500, cacheTimeout: -1 });
    return provider.getSigner(account);
  }, [eth, account]);

  return {
    missing: !eth,
    account,
    chainId,
    onRightChain: chainId !== null && chainId === expectedChainId,
    connecting,
    error,
    connect,
    switchChain,
    signer,
  };
}
