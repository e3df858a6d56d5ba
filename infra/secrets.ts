/**
 * Secrets. Set per stage before the first deploy:
 *
 *     npx sst secret set MasterKey <value> --stage <stage>
 *
 * There is deliberately no placeholder: a deploy without the secret fails with SST's
 * "Set a value for MasterKey" error instead of shipping a guessable key. The value reaches the
 * functions as the `GATEWAY_MASTER_KEY` environment variable (see ./api.ts).
 */
export const masterKey = new sst.Secret("MasterKey");
