export { Token } from './token.entity';
export {
  findTokenForUpdate,
  hashToken,
  isExpired,
  issueSignatureTokens,
  issueToken,
  isWellFormedToken,
  rawToken,
  WITHDRAW_TOKEN_TTL_HOURS,
} from './tokens';
export { mailRequestRules } from './mail-limits';
