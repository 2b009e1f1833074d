import { chooseKernels } from "../../runtime/kernels/native-loader.js";
import { kernelFigure } from "./kernels-micro.js";

/** One kernel case in a fresh process: `kernels-micro-case.ts <index> <batches>`; prints one JSON line. */
const [index, batches] = process.argv.slice(2).map(Number);
const { addon } = chooseKernels({ env: { ...process.env, SABOT_NATIVE: "1" } });
console.log(JSON.stringify(kernelFigure(index, addon, batches)));
