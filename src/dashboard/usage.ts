/**
 * Messages delivered today for an account: what the daily plan quota counts (src/accounts/quotas.ts),
 * not Pusher's total (published + delivered) that the overview shows beside it. Plan quotas only count
 * while a plan has a daily cap (an unlimited plan never touches the counter), so when the usage
 * recorder runs its rollup is the better figure; the larger of the two also covers a recorder that
 * started after midnight.
 */
import type { DashboardDeps } from "./deps";

export async function accountMessagesToday(deps: DashboardDeps, accountId: string): Promise<number> {
  const counted = await deps.quotas.messagesToday(accountId);
  if (deps.usage === undefined) return counted;
  const ids = (await deps.apps.list(accountId)).map((a) => a.id);
  return Math.max(counted, ids.length === 0 ? 0 : (await deps.usage.today(ids)).delivered);
}
