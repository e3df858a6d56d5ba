/** Cancelling queued work (`POST /v1/responses/{id}/cancel`): the agent's task, then the job. */
import type { AppDeps } from "../../deps.ts";
import type { GatewayRequest } from "../../http.ts";
import { isFinished, type Job } from "../../ports.ts";
import { cardVersion, translateResult } from "../../protocol/translate.ts";
import { callAgent } from "../agent-rpc.ts";
import { endJob, endOf } from "./finish.ts";

export async function cancelJob(job: Job, trace: GatewayRequest["trace"], deps: AppDeps): Promise<Job> {
  if (isFinished(job.status)) return job;
  const agent = await deps.agents.get(job.agent);
  let task: Record<string, unknown> = { kind: "task", id: job.taskId, status: { state: "canceled" } };
  if (agent) {
    const version = cardVersion(agent.card).preferred;
    const response = await callAgent({ agent, version, op: "cancelTask", params: { id: job.taskId }, trace, timeoutMs: deps.config.syncBudgetMs }, deps.upstream);
    // An agent that cannot cancel (-32002, already finished) leaves the job to the poller.
    if ("error" in response) return job;
    task = translateResult("cancelTask", response.result, version, "0.3") as Record<string, unknown>;
  }
  const end = endOf(job, task);
  await endJob(job, end, job.polls, deps);
  return (await deps.jobs.get(job.id)) ?? { ...job, ...end };
}
