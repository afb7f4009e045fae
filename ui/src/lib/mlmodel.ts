// An MLmodel file (YAML) read line by line: which lines are its flavors, without a YAML parser.

export interface MlmodelLine {
  text: string;
  /** `flavor`: a flavor's name line (`  sklearn:`); `inFlavors`: inside the flavors block. */
  role: "flavor" | "inFlavors" | "flavorsKey" | "plain";
}

export interface MlmodelView {
  flavors: string[];
  lines: MlmodelLine[];
}

const TOP_LEVEL_KEY = /^[^\s#][^:]*:/;
const FLAVOR_NAME = /^( {2}|\t)([A-Za-z0-9_.-]+):\s*(#.*)?$/;

export function readMlmodel(text: string): MlmodelView {
  const flavors: string[] = [];
  const lines: MlmodelLine[] = [];
  let inFlavors = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^flavors:\s*(#.*)?$/.test(line)) {
      inFlavors = true;
      lines.push({ text: line, role: "flavorsKey" });
      continue;
    }
    if (inFlavors && TOP_LEVEL_KEY.test(line)) inFlavors = false;
    const name = inFlavors ? FLAVOR_NAME.exec(line) : null;
    if (name?.[2]) {
      flavors.push(name[2]);
      lines.push({ text: line, role: "flavor" });
    } else {
      lines.push({ text: line, role: inFlavors ? "inFlavors" : "plain" });
    }
  }
  return { flavors, lines };
}
