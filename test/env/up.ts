import { join } from "node:path";
import { startEnvironment } from "./environment.js";

/** `npm run env:up`: start everything and leave it running for manual use or repeated test runs. */
const env = await startEnvironment({ standalone: true });
const file = join(env.runDir, "env.json");
console.log(`test environment is up (logs in ${env.logDir})
  kafka:      ${env.kafka.brokers.join(",")}
  s3:         ${env.s3.endpoint}  (access key ${env.s3.accessKeyId})
  prometheus: ${env.prometheus.url}
  kubernetes: ${env.kube.server}  (export KUBECONFIG=${env.kube.kubeconfig})
  real node:  ${env.kube.realNode.name} at ${env.kube.realNode.ip}  (images: ${env.kube.realNode.ctr.cmd} ${env.kube.realNode.ctr.args.join(" ")} images ls)

reuse it in tests:   SABOT_TESTENV_FILE=${file} npx vitest run --project integration
take it down:        npm run env:down -- ${file}`);
