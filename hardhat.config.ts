import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatEthersChaiMatchers from "@nomicfoundation/hardhat-ethers-chai-matchers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatTypechain from "@nomicfoundation/hardhat-typechain";

const require = createRequire(import.meta.url);

// No compiler can be downloaded on these machines: compile with solc-js from the `solc` package.
const solcVersion = (require("solc/package.json") as { version: string }).version;

// Prague: the EIP-2537 BLS12-381 precompiles exist from this fork on.
const HARDFORK = "prague";

export default defineConfig({
  plugins: [hardhatEthers, hardhatEthersChaiMatchers, hardhatMocha, hardhatNetworkHelpers, hardhatTypechain],
  solidity: {
    version: solcVersion,
    path: require.resolve("solc/soljson.js"),
    // Chainlink's local CCIP simulator (real router contracts) is deployed by every local deploy; its router
    // and LINK token are built too, for their ABIs (tests, keepers and the demo call them)
    npmFilesToBuild: [
      "@chainlink/local/src/ccip/CCIPLocalSimulator.sol",
      "@chainlink/local/src/vendor/chainlink-ccip/test/mocks/MockRouter.sol",
      "@chainlink/local/src/shared/LinkToken.sol",
      // OPEN as a Cross-Chain Token: Chainlink's own pools, registry and RMN (the simulator has none of them)
      "@chainlink/contracts-ccip/contracts/pools/LockReleaseTokenPool.sol",
      "@chainlink/contracts-ccip/contracts/pools/BurnMintTokenPool.sol",
      "@chainlink/contracts-ccip/contracts/tokenAdminRegistry/TokenAdminRegistry.sol",
      "@chainlink/contracts-ccip/contracts/tokenAdminRegistry/RegistryModuleOwnerCustom.sol",
      "@chainlink/contracts-ccip/contracts/rmn/RMNRemote.sol",
    ],
    settings: {
      optimizer: { enabled: true, runs: 800 },
      evmVersion: HARDFORK,
      // NatSpec for the ABIs that @openmesh/contracts ships (Hardhat adds its own selection to this)
      outputSelection: { "*": { "*": ["devdoc", "userdoc"] } },
    },
  },
  networks: {
    // Pinned: EDR's own default hardfork moves with mainnet; gas numbers must name their fork.
    default: { type: "edr-simulated", hardfork: HARDFORK, allowUnlimitedContractSize: false },
    localhost: { type: "http", url: process.env.OPENMESH_RPC_URL ?? "http://127.0.0.1:8545" },
  },
  paths: {
    tests: { mocha: "test/contracts", solidity: "test/solidity" },
  },
  test: {
    mocha: { timeout: 120_000 },
    solidity: {
      fuzz: { runs: process.env.CI ? 512 : 256 },
      invariant: { runs: process.env.CI ? 64 : 32, depth: 32 },
    },
  },
  typechain: { outDir: "types/ethers-contracts" },
});
