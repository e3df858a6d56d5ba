/**
 * The schemas use zod's mini build: the same parser and issues as classic zod at a fraction of
 * its size and schema-building time, which a cold start pays for. Mini ships no messages; this
 * gives its issues classic's English ones ("expected string, received undefined"), so a bad
 * request hears what is wrong. Imported for its effect by every module that declares schemas.
 */
import { config } from "zod/mini";
import { en } from "zod/locales";

config(en());
