// OPEN as a Chainlink Cross-Chain Token (docs/bridge.md, "OPEN over CCIP"): a lock-and-release pool for
// OpenToken at home and a burn-and-mint RemoteOpenToken with its pool on the remote chain (locally: a
// second deployment on the same chain), Chainlink's own TokenAdminRegistry, RegistryModuleOwnerCustom and
// RMNRemote (no curse set). The deployer builds and wires the pools, then offers their ownership to
// governance; what only governance may do (register OPEN's admin through getCCIPAdmin, set the pools,
// accept ownership, give the remote pool mint/burn) is returned as proposal actions.
import { AbiCoder, ZeroAddress, type Signer } from "ethers";
import {
  BurnMintTokenPool__factory,
  LockReleaseTokenPool__factory,
  OpenAccessManager__factory,
  RegistryModuleOwnerCustom__factory,
  RemoteOpenToken__factory,
  RMNRemote__factory,
  TokenAdminRegistry__factory,
  type BurnMintTokenPool,
  type LockReleaseTokenPool,
  type RegistryModuleOwnerCustom,
  type RemoteOpenToken,
  type TokenAdminRegistry,
} from "../../types/ethers-contracts/index.js";
import { accessRoles } from "../../packages/contracts/src/roles.js";

export interface RateLimit {
  capacityWei: bigint;
  ratePerSecondWei: bigint;
}

export interface TokenBridgeInputs {
  homeToken: string;
  router: string;
  homeSelector: bigint;
  remoteSelector: bigint;
  /** the remote chain's AccessManager (its admin is governance) */
  remoteAccessManager: string;
  /** governance on each side: the timelock at home, the remote executor there */
  homeGovernance: string;
  remoteGovernance: string;
  /** per lane and direction, until governance changes it */
  rateLimit: RateLimit;
}

export interface TokenBridge {
  registry: TokenAdminRegistry;
  module: RegistryModuleOwnerCustom;
  homePool: LockReleaseTokenPool;
  remotePool: BurnMintTokenPool;
  remoteToken: RemoteOpenToken;
  /** what governance executes, in order: "home" as the timelock, "remote" through the remote executor */
  governanceActions: Array<{ side: "home" | "remote"; target: string; data: string; what: string }>;
}

const abi = AbiCoder.defaultAbiCoder();
const word = (address: string) => abi.encode(["address"], [address]);

export async function deployTokenBridge(signer: Signer, inp: TokenBridgeInputs): Promise<TokenBridge> {
  const deployed = async <T extends { waitForDeployment(): Promise<unknown> }>(p: Promise<T>): Promise<T> => {
    const c = await p;
    await c.waitForDeployment();
    return c;
  };
  const mined = async (tx: Promise<{ wait(): Promise<unknown> }>) => void (await (await tx).wait());

  const registry = await deployed(new TokenAdminRegistry__factory(signer).deploy());
  const module = await deployed(new RegistryModuleOwnerCustom__factory(signer).deploy(await registry.getAddress()));
  await mined(registry.addRegistryModule(await module.getAddress()));
  const rmnHome = await deployed(new RMNRemote__factory(signer).deploy(inp.homeSelector, ZeroAddress));
  const rmnRemote = await deployed(new RMNRemote__factory(signer).deploy(inp.remoteSelector, ZeroAddress));
  const homePool = await deployed(
    new LockReleaseTokenPool__factory(signer).deploy(inp.homeToken, 18, [], await rmnHome.getAddress(), inp.router),
  );
  const remoteToken = await deployed(
    new RemoteOpenToken__factory(signer).deploy(inp.remoteAccessManager, inp.remoteGovernance),
  );
  const remotePool = await deployed(
    new BurnMintTokenPool__factory(signer).deploy(
      await remoteToken.getAddress(),
      18,
      [],
      await rmnRemote.getAddress(),
      inp.router,
    ),
  );
  const limit = { isEnabled: true, capacity: inp.rateLimit.capacityWei, rate: inp.rateLimit.ratePerSecondWei };
  const [homePoolAddress, remotePoolAddress, remoteTokenAddress] = await Promise.all([
    homePool.getAddress(),
    remotePool.getAddress(),
    remoteToken.getAddress(),
  ]);
  await mined(
    homePool.applyChainUpdates(
      [],
      [
        {
          remoteChainSelector: inp.remoteSelector,
          remotePoolAddresses: [word(remotePoolAddress)],
          remoteTokenAddress: word(remoteTokenAddress),
          outboundRateLimiterConfig: limit,
          inboundRateLimiterConfig: limit,
        },
      ],
    ),
  );
  await mined(
    remotePool.applyChainUpdates(
      [],
      [
        {
          remoteChainSelector: inp.homeSelector,
          remotePoolAddresses: [word(homePoolAddress)],
          remoteTokenAddress: word(inp.homeToken),
          outboundRateLimiterConfig: limit,
          inboundRateLimiterConfig: limit,
        },
      ],
    ),
  );
  await mined(homePool.transferOwnership(inp.homeGovernance));
  await mined(remotePool.transferOwnership(inp.remoteGovernance));

  const registryAddress = await registry.getAddress();
  const moduleAddress = await module.getAddress();
  const manager = OpenAccessManager__factory.createInterface();
  const tokenIface = RemoteOpenToken__factory.createInterface() as unknown as {
    getFunction(signature: string): { selector: string } | null;
  }; // typechain narrows getFunction to names; overloaded burn needs full signatures
  const selectors = ["mint", "burn(uint256)", "burn(address,uint256)", "burnFrom"].map(
    (f) => tokenIface.getFunction(f)!.selector,
  );
  const actions: TokenBridge["governanceActions"] = [];
  for (const [side, token, pool] of [
    ["home", inp.homeToken, homePoolAddress],
    ["remote", remoteTokenAddress, remotePoolAddress],
  ] as const) {
    actions.push(
      {
        side,
        target: moduleAddress,
        data: module.interface.encodeFunctionData("registerAdminViaGetCCIPAdmin", [token]),
        what: `register governance as ${token}'s CCIP admin (getCCIPAdmin)`,
      },
      {
        side,
        target: registryAddress,
        data: registry.interface.encodeFunctionData("acceptAdminRole", [token]),
        what: "accept the admin role",
      },
      {
        side,
        target: registryAddress,
        data: registry.interface.encodeFunctionData("setPool", [token, pool]),
        what: `set ${token}'s pool to ${pool}`,
      },
      {
        side,
        target: pool,
        data: homePool.interface.encodeFunctionData("acceptOwnership"),
        what: `accept ownership of pool ${pool}`,
      },
    );
  }
  actions.push(
    {
      side: "remote",
      target: inp.remoteAccessManager,
      data: manager.encodeFunctionData("setTargetFunctionRole", [
        remoteTokenAddress,
        selectors,
        accessRoles.TOKEN_POOL,
      ]),
      what: "restrict RemoteOpenToken mint/burn to the TOKEN_POOL role",
    },
    {
      side: "remote",
      target: inp.remoteAccessManager,
      data: manager.encodeFunctionData("grantRole", [accessRoles.TOKEN_POOL, remotePoolAddress, 0]),
      what: "grant TOKEN_POOL to the remote pool",
    },
  );
  return { registry, module, homePool, remotePool, remoteToken, governanceActions: actions };
}
