"use client";

import { useState } from "react";
import { useFormatter, useLocale, useTranslations } from "use-intl";

import { useDeleteTemplate, useTemplates, type TemplateOut } from "@zimage/web/api";
import { TemplateEditor } from "@zimage/web/app-shell/template-editor";
import { Badge } from "@zimage/web/ui/badge";
import { TableCell } from "@zimage/web/ui/table";

import { LibraryPage, type LibraryScope } from "@/components/library-page";

export function TemplatesView() {
  const t = useTranslations("templates");
  const locale = useLocale();
  const format = useFormatter();
  const [scope, setScope] = useState<LibraryScope>("shared");
  const templates = useTemplates({ scope });
  const remove = useDeleteTemplate();
  const name = (tpl: TemplateOut) => (locale === "ko" ? tpl.name_ko : tpl.name_en);

  return (
    <LibraryPage
      namespace="templates"
      scopesLabel={t("scope")}
      scope={scope}
      onScopeChange={setScope}
      list={templates}
      remove={remove}
      name={name}
      columns={[t("columns.name"), t("columns.category"), t("columns.pattern"), t("columns.variables"), t("columns.updated")]}
      cells={(tpl) => (
        <>
          <TableCell className="font-medium">
            {name(tpl)}
            <span className="block text-xs font-normal text-muted-foreground">{locale === "ko" ? tpl.name_en : tpl.name_ko}</span>
          </TableCell>
          <TableCell>
            <Badge variant="secondary">{t(`categories.${tpl.category}`)}</Badge>
          </TableCell>
          <TableCell className="max-w-md">
            <p className="line-clamp-2 font-mono text-xs">{tpl.pattern}</p>
          </TableCell>
          <TableCell className="text-xs">{tpl.variables.map((v) => v.name).join(", ") || "–"}</TableCell>
          <TableCell className="whitespace-nowrap text-xs tabular-nums">
            {format.dateTime(new Date(tpl.updated_at), { dateStyle: "medium" })}
          </TableCell>
        </>
      )}
      readOnly={(tpl) => t(`scopes.${tpl.scope}`)}
      note={scope === "builtin" ? <p className="mb-3 text-sm text-muted-foreground">{t("readOnly")}</p> : null}
      rowTestId="template-row"
      editor={(template, open, onOpenChange) => (
        <TemplateEditor template={template} open={open} onOpenChange={onOpenChange} scope="shared" />
      )}
    />
  );
}
