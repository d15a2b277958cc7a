import { parse, TYPE, type MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { describe, expect, it } from "vitest";

import type { Locale } from "../src/i18n";

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out[path] = value;
    else Object.assign(out, flatten(value, path));
  }
  return out;
}

function argumentsOf(elements: MessageFormatElement[]): string[] {
  const names = new Set<string>();
  for (const el of elements) {
    if (el.type === TYPE.argument || el.type === TYPE.number || el.type === TYPE.date || el.type === TYPE.time) names.add(el.value);
    if (el.type === TYPE.plural || el.type === TYPE.select) {
      names.add(el.value);
      for (const option of Object.values(el.options)) argumentsOf(option.value).forEach((n) => names.add(n));
    }
  }
  return [...names].sort();
}

/** An app's message catalogues, checked: the same keys in both languages, valid ICU with the same arguments. */
export function describeMessageCatalogues(messagesFor: (locale: Locale) => object) {
  describe("message catalogues", () => {
    const ko = flatten(messagesFor("ko") as Tree);
    const en = flatten(messagesFor("en") as Tree);

    it("have the same keys in Korean and English", () => {
      expect(Object.keys(en).sort()).toEqual(Object.keys(ko).sort());
    });

    it("are valid ICU messages that take the same arguments in both languages", () => {
      for (const [key, text] of Object.entries(ko)) {
        const koArgs = argumentsOf(parse(text));
        const enArgs = argumentsOf(parse(en[key] as string));
        expect(enArgs, key).toEqual(koArgs);
      }
    });

    it("never put a dot inside a key (use-intl reads dots as nesting)", () => {
      const raw = (tree: Tree): string[] =>
        Object.entries(tree).flatMap(([key, value]) => [key, ...(typeof value === "string" ? [] : raw(value))]);
      expect(raw(messagesFor("ko") as Tree).filter((key) => key.includes("."))).toEqual([]);
    });
  });
}
