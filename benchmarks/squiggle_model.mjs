// The deal-value model in Squiggle, for benchmarks/simulate: the same inputs as
// `nkru deal-value` (troops uniform 10,000-12,000; pay uniform $2,000-3,000 a month; 12 months;
// a $2,000 bonus). Usage: node squiggle_model.mjs SAMPLES SEED  -> JSON percentiles on stdout.
import { run } from "@quri/squiggle-lang";

const [samples, seed] = [Number(process.argv[2] ?? 100000), String(process.argv[3] ?? "7")];
const code = `troops = uniform(10000, 12000)
pay = uniform(2000, 3000)
troops * (pay * 12 + 2000)`;
const environment = { sampleCount: samples, xyPointLength: 1000, seed };
const output = await run(code, { environment });
if (!output.result.ok) {
  console.error(output.result.value.toString());
  process.exit(1);
}
const dist = output.result.value.result.value;
const at = (p) => dist.inv(environment, p).value;
console.log(JSON.stringify({ p5: at(0.05), p50: at(0.5), p95: at(0.95), samples }));
