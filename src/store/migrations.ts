/**
 * The SQL migrations, embedded in the binary as text: migrations/ for SQLite, migrations/postgres/ for
 * PostgreSQL (numbered on their own; the schemas they reach are the same, test/unit/store-schema.test.ts).
 * Unit tests check that every file of each folder is listed here, in order.
 */
import m0001 from "../../migrations/0001_init.sql" with { type: "text" };
import m0002 from "../../migrations/0002_accounts.sql" with { type: "text" };
import m0003 from "../../migrations/0003_usage.sql" with { type: "text" };
import m0004 from "../../migrations/0004_webhooks.sql" with { type: "text" };
import m0005 from "../../migrations/0005_retired_keys.sql" with { type: "text" };
import m0006 from "../../migrations/0006_app_settings_json.sql" with { type: "text" };
import m0007 from "../../migrations/0007_webhook_claims.sql" with { type: "text" };
import p0001 from "../../migrations/postgres/0001_init.sql" with { type: "text" };
import p0002 from "../../migrations/postgres/0002_webhook_claims.sql" with { type: "text" };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "0001_init.sql", sql: m0001 },
  { version: 2, name: "0002_accounts.sql", sql: m0002 },
  { version: 3, name: "0003_usage.sql", sql: m0003 },
  { version: 4, name: "0004_webhooks.sql", sql: m0004 },
  { version: 5, name: "0005_retired_keys.sql", sql: m0005 },
  { version: 6, name: "0006_app_settings_json.sql", sql: m0006 },
  { version: 7, name: "0007_webhook_claims.sql", sql: m0007 },
];

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "0001_init.sql", sql: p0001 },
  { version: 2, name: "0002_webhook_claims.sql", sql: p0002 },
];
