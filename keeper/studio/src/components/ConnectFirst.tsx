// Shows its children once a wallet is connected on the keeper's chain; otherwise says what to do.
import type { ComponentChildren } from "preact";
import { useApp } from "../lib/app.js";

export function ConnectFirst({ what, children }: { what: string; children: ComponentChildren }) {
  const { wallet, info } = useApp();
  if (!info.rpc) return <p class="note">This keeper runs without a chain.</p>;
  if (wallet.missing) {
    return (
      <p class="note">
        To {what}, open this page in a browser with an Ethereum wallet (any EIP-1193 provider, e.g. a wallet extension).
      </p>
    );
  }
  if (!wallet.account) {
    return (
      <p class="note">
        To {what},{" "}
        <button type="button" onClick={() => void wallet.connect()}>
          connect your wallet
        </button>
        .
      </p>
    );
  }
  if (!wallet.onRightChain) {
    return (
      <p class="note" role="alert">
        Your wallet is on chain {wallet.chainId}; this keeper's network is chain {info.chainId}.{" "}
        <button type="button" onClick={() => void wallet.switchChain()}>
          Switch network
        </button>
      </p>
    );
  }
  return <>{children}</>;
}
