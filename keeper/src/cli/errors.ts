// Which errors are the operator's to fix (print the message, exit 1) and which are bugs (stack).
import { ChainConfigError, DeploymentError } from "../chain/index.js";
import { ConfigError } from "../config/index.js";
import { IdentityError } from "../identity/index.js";
import { OperatorsFileError } from "../p2p/index.js";
import { StoreOpenError } from "../store/index.js";

const OPERATOR_ERRORS = [
  ConfigError,
  IdentityError,
  DeploymentError,
  ChainConfigError,
  StoreOpenError,
  OperatorsFileError,
];

export class CliUsageError extends Error {
  override name = "CliUsageError";
}

export function isOperatorError(err: unknown): err is Error {
  return err instanceof CliUsageError || OPERATOR_ERRORS.some((E) => err instanceof E);
}
