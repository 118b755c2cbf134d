// Xnode Studio: the web dashboard each keeper serves at /studio. Hash routes (#/network, #/stake,
// #/govern, #/rent, #/keeper) so the keeper serves one page; the shell is interactive as soon as the
// keeper's config.json has arrived (performance mark "studio-interactive", used by the bench).
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import "./style.css";
import { AppContext, type AppState } from "./lib/app.js";
import { contracts, readProvider, type Contracts } from "./lib/chain.js";
import { short } from "./lib/format.js";
import { loadInfo, type StudioInfo } from "./lib/keeper.js";
import { useWallet } from "./lib/wallet.js";
import { Govern } from "./pages/Govern.js";
import { Keeper } from "./pages/Keeper.js";
import { Network } from "./pages/Network.js";
import { Rent } from "./pages/Rent.js";
import { Stake } from "./pages/Stake.js";

const PAGES = {
  network: { title: "Network", view: Network },
  stake: { title: "Stake", view: Stake },
  govern: { title: "Govern", view: Govern },
  rent: { title: "Rent", view: Rent },
  keeper: { title: "Keeper", view: Keeper },
} as const;
type PageName = keyof typeof PAGES;

function currentPage(): PageName {
  const name = location.hash.replace(/^#\/?/, "");
  return name in PAGES ? (name as PageName) : "network";
}

function WalletButton({ app }: { app: AppState }) {
  const { wallet, info } = app;
  if (!info.rpc) return null;
  if (wallet.missing) return <span class="wallet-note">No wallet found</span>;
  if (!wallet.account) {
    return (
      <button type="button" class="primary" onClick={() => void wallet.connect()} disabled={wallet.connecting}>
        {wallet.connecting ? "Connecting…" : "Connect wallet"}
      </button>
    );
  }
  return (
    <span class="wallet" data-testid="wallet-account" title={wallet.account}>
      <span class="visually-hidden">Connected account </span>
      {short(wallet.account)}
      {!wallet.onRightChain && <span class="warn"> · wrong network</span>}
    </span>
  );
}

function Shell({ info }: { info: StudioInfo }) {
  const [page, setPage] = useState<PageName>(currentPage());
  const wallet = useWallet(info.chainId);
  const read = useMemo(() => (info.rpc && info.chainId ? readProvider(info) : null), [info]);
  // the typed contracts parse ten ABIs: built after the first paint, so the shell is usable at once
  const [c, setC] = useState<Contracts | null>(null);
  useEffect(() => {
    const t = setTimeout(() => setC(read ? contracts(info, read) : null), 0);
    return () => clearTimeout(t);
  }, [info, read]);
  const app: AppState = { info, read, c, wallet };

  useEffect(() => {
    const onHash = () => {
      setPage(currentPage());
      document.getElementById("main")?.focus();
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    document.title = `${PAGES[page].title} · Xnode Studio`;
  }, [page]);
  useEffect(() => {
    performance.mark("studio-interactive");
    document.documentElement.dataset.ready = "true";
  }, []);

  const View = PAGES[page].view;
  return (
    <AppContext.Provider value={app}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/network">
          Xnode Studio
        </a>
        <nav aria-label="Studio pages">
          <ul>
            {(Object.keys(PAGES) as PageName[]).map((name) => (
              <li key={name}>
                <a href={`#/${name}`} aria-current={name === page ? "page" : undefined}>
                  {PAGES[name].title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="wallet-area">
          <WalletButton app={app} />
        </div>
      </header>
      {wallet.error && (
        <p class="error" role="alert">
          Wallet: {wallet.error}
        </p>
      )}
      <main id="main" tabIndex={-1}>
        <View />
      </main>
      <footer>
        Chain {info.chainId ?? "none"} · keeper of operator <span class="mono">{short(info.operator)}</span>
      </footer>
    </AppContext.Provider>
  );
}

function App() {
  const [info, setInfo] = useState<StudioInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    loadInfo().then(setInfo, (err: Error) => setError(err.message));
  }, []);
  if (error)
    return (
      <p class="error" role="alert">
        Cannot reach the keeper: {error}
      </p>
    );
  if (!info) return <p aria-busy="true">Loading…</p>;
  return <Shell info={info} />;
}

render(<App />, document.getElementById("app")!);
