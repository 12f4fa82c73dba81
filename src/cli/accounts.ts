/** `mawjly accounts …` and `mawjly plans …`: the account service from a shell. */
import { AccountService } from "../accounts/service";
import { AccountStore } from "../accounts/store";
import { integerFlag, parse, subcommand, UsageError } from "./args";
import { dataDirHint, withStore } from "./store";

export const ACCOUNTS_HELP = `Usage: mawjly accounts <create|list|update|delete> [options] [--data-dir DIR]

  accounts create --email E --password-stdin [--name N] [--admin] [--plan P] [--json]
                  (reads the password from standard input, so it never shows in the process list)
  accounts list [--json]
  accounts update ID [--plan P] [--admin|--no-admin] [--name N]
  accounts delete ID          (deletes the account's apps too)
  accounts signup open|closed (whether anyone may create an account in the dashboard)`;

export const PLANS_HELP = `Usage: mawjly plans <list|create|update|delete> [options] [--data-dir DIR]

  plans list [--json]
  plans create --id ID --name N --max-apps N --max-connections N --max-messages-per-day N [--max-app-connections N]
  plans update ID [--name N] [--max-apps N] [--max-connections N] [--max-messages-per-day N] [--max-app-connections N]
  plans delete ID
  (0 means unlimited)`;


export async function accountsCommand(argv: string[]): Promise<void> {
  const given = subcommand(argv, "accounts", ["create", "list", "update", "delete", "signup"]);
  if (given === undefined) return void console.log(ACCOUNTS_HELP);
  const { sub, rest } = given;
  const { values, positionals } = parse(
    rest,
    {
      email: { type: "string" },
      name: { type: "string" },
      plan: { type: "string" },
      admin: { type: "boolean" },
      "no-admin": { type: "boolean" },
      "password-stdin": { type: "boolean" },
      json: { type: "boolean" },
    },
    `accounts ${sub}`,
  );
  if (values.help) return void console.log(ACCOUNTS_HELP);
  await withStore(values, async (db, choice) => {
    const service = new AccountService(new AccountStore(db));
    switch (sub) {
      case "create": {
        if (typeof values.email !== "string") throw new UsageError("accounts create: --email is required");
        if (!values["password-stdin"]) throw new UsageError("accounts create: give the password on standard input with --password-stdin");
        const password = (await Bun.stdin.text()).replace(/\r?\n$/, "");
        const account = await service.create({
          email: values.email,
          name: values.name as string | undefined,
          password,
          isAdmin: values.admin === true,
          planId: values.plan as string | undefined,
        });
        return void console.log(values.json ? JSON.stringify(account) : `Created account ${account.email} (${account.id}), plan ${account.planId}${account.isAdmin ? ", admin" : ""}`);
      }
      case "list": {
        const { items } = await service.list(500, 0);
        if (values.json) return void console.log(JSON.stringify(items, null, 2));
        if (items.length === 0) return void console.log(`No accounts yet. Create one: mawjly accounts create --email E --admin --password-stdin${dataDirHint(choice)}`);
        for (const a of items) console.log(`${a.id}\t${a.email}\t${a.planId}${a.isAdmin ? "\tadmin" : ""}`);
        return;
      }
      case "update": {
        if (positionals.length !== 1) throw new UsageError("accounts update: give exactly one account id");
        const admin = values.admin ? true : values["no-admin"] ? false : undefined;
        const account = await service.update(positionals[0]!, { planId: values.plan as string | undefined, isAdmin: admin, name: values.name as string | undefined });
        return void console.log(`Updated account ${account.email}: plan ${account.planId}${account.isAdmin ? ", admin" : ""}`);
      }
      case "delete": {
        if (positionals.length !== 1) throw new UsageError("accounts delete: give exactly one account id");
        await service.delete(positionals[0]!);
        return void console.log(`Deleted account ${positionals[0]}`);
      }
      case "signup": {
        const state = positionals[0];
        if (state !== "open" && state !== "closed") throw new UsageError("accounts signup: say open or closed");
        await service.setSignupOpen(state === "open");
        return void console.log(`Sign-up is now ${state}`);
      }
      default:
        throw new UsageError(`accounts: unknown subcommand '${sub}' (use create, list, update, delete or signup)`);
    }
  });
}

const PLAN_FLAGS = {
  "max-apps": "maxApps",
  "max-connections": "maxConnections",
  "max-app-connections": "maxAppConnections",
  "max-messages-per-day": "maxMessagesPerDay",
} as const;

export async function plansCommand(argv: string[]): Promise<void> {
  const given = subcommand(argv, "plans", ["list", "create", "update", "delete"]);
  if (given === undefined) return void console.log(PLANS_HELP);
  const { sub, rest } = given;
  const { values, positionals } = parse(
    rest,
    { id: { type: "string" }, name: { type: "string" }, json: { type: "boolean" }, ...Object.fromEntries(Object.keys(PLAN_FLAGS).map((f) => [f, { type: "string" as const }])) },
    `plans ${sub}`,
  );
  if (values.help) return void console.log(PLANS_HELP);
  const limits: Record<string, number> = {};
  for (const [flag, field] of Object.entries(PLAN_FLAGS)) {
    const value = integerFlag(flag, values[flag]);
    if (value !== undefined) limits[field] = value;
  }
  await withStore(values, async (db) => {
    const service = new AccountService(new AccountStore(db));
    switch (sub) {
      case "list": {
        const plans = await service.plans();
        if (values.json) return void console.log(JSON.stringify(plans, null, 2));
        const n = (v: number) => (v === 0 ? "unlimited" : String(v));
        for (const p of plans) console.log(`${p.id}\t${p.name}\tapps ${n(p.maxApps)}\tconnections ${n(p.maxConnections)}\tmessages/day ${n(p.maxMessagesPerDay)}`);
        return;
      }
      case "create": {
        for (const flag of ["id", "name"]) if (typeof values[flag] !== "string") throw new UsageError(`plans create: --${flag} is required`);
        for (const flag of ["max-apps", "max-connections", "max-messages-per-day"]) {
          if (values[flag] === undefined) throw new UsageError(`plans create: --${flag} is required (0 = unlimited)`);
        }
        const plan = await service.createPlan({ id: values.id as string, name: values.name as string, ...(limits as any) });
        return void console.log(`Created plan ${plan.id}`);
      }
      case "update": {
        if (positionals.length !== 1) throw new UsageError("plans update: give exactly one plan id");
        const patch = { ...limits, ...(typeof values.name === "string" ? { name: values.name } : {}) };
        if (Object.keys(patch).length === 0) throw new UsageError("plans update: nothing to change");
        await service.updatePlan(positionals[0]!, patch);
        return void console.log(`Updated plan ${positionals[0]}`);
      }
      case "delete": {
        if (positionals.length !== 1) throw new UsageError("plans delete: give exactly one plan id");
        await service.deletePlan(positionals[0]!);
        return void console.log(`Deleted plan ${positionals[0]}`);
      }
      default:
        throw new UsageError(`plans: unknown subcommand '${sub}' (use list, create, update or delete)`);
    }
  });
}
