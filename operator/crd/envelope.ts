import { API_GROUP } from "../../runtime/contract/spec/manifest.js";
import type { JsonSchema } from "./openapi.js";

export interface CrdParts {
  kind: string;
  plural: string;
  shortNames: string[];
  spec: JsonSchema;
  status: JsonSchema;
  /** CEL rules on the whole object (e.g. on metadata.name). */
  rootRules?: { rule: string; message: string }[];
  subresources: JsonSchema;
  printerColumns: JsonSchema[];
}

/** A namespaced, single-version (v1alpha1) CustomResourceDefinition of the sabot.dev group. */
export function namespacedCrd(p: CrdParts): JsonSchema {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${p.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      names: {
        kind: p.kind,
        listKind: `${p.kind}List`,
        plural: p.plural,
        singular: p.kind.toLowerCase(),
        shortNames: p.shortNames,
      },
      scope: "Namespaced",
      versions: [
        {
          name: "v1alpha1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              required: ["spec"],
              ...(p.rootRules ? { "x-kubernetes-validations": p.rootRules } : {}),
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: p.spec,
                status: p.status,
              },
            },
          },
          subresources: p.subresources,
          additionalPrinterColumns: p.printerColumns,
        },
      ],
    },
  };
}
