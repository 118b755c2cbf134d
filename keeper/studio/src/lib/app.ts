// What every page reads: the keeper's info, the read provider and contracts, the wallet.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { JsonRpcProvider } from "ethers";
import type { Contracts } from "./chain.js";
import type { StudioInfo } from "./keeper.js";
import type { Wallet } from "./wallet.js";

export interface AppState {
  info: StudioInfo;
  /** null on a keeper without a chain */
  read: JsonRpcProvider | null;
  c: Contracts | null;
  wallet: Wallet;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const app = useContext(AppContext);
  if (!app) throw new Error("useApp outside the app");
  return app;
}
