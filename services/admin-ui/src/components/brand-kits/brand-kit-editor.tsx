"use client";

import { Star, Trash2, Upload } from "lucide-react";
import { useRef, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";

import {
  useCreateBrandKit,
  useDeleteBrandFont,
  useDeleteBrandKit,
  useDeleteBrandLogo,
  useUpdateBrandKit,
  useUploadBrandFont,
  useUploadBrandLogo,
  type BrandKitOut,
} from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert } from "@zimage/web/ui/alert";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@zimage/web/ui/card";
import { ConfirmDialog } from "@zimage/web/ui/confirm-dialog";
import { Field } from "@zimage/web/ui/field";
import { Input } from "@zimage/web/ui/input";
import { Spinner } from "@zimage/web/ui/spinner";
import { Textarea } from "@zimage/web/ui/textarea";
import { toast } from "@zimage/web/ui/toaster";

import {
  COLOUR_ROLES,
  FONT_TYPES,
  LOGO_TYPES,
  fileProblem,
  kitBody,
  kitProblems,
  normaliseHex,
  parseWords,
  valuesFrom,
  type KitProblem,
  type KitValues,
} from "@/lib/brand-kit-form";

function problemText(t: ReturnType<typeof useTranslations<"brandKits">>, p: KitProblem): string {
  if (p.field === "name") return t("problems.nameRequired");
  if (p.field === "colour") return t("problems.hex");
  if (p.kind === "overlap") return t("problems.overlap", { word: p.word });
  if (p.kind === "tooMany") return t("problems.tooMany");
  return p.kind === "tooLong" ? t("problems.tooLong", { word: p.word ?? "" }) : t("problems.duplicate", { word: p.word ?? "" });
}

/** Upload one file (font or logo): checked here for kind and size, then by the API, which loads it. */
function Upload_({ kitId, kind }: { kitId: string; kind: "font" | "logo" }) {
  const t = useTranslations("brandKits");
  const te = useTranslations("errors");
  const font = useUploadBrandFont();
  const logo = useUploadBrandLogo();
  const upload = kind === "font" ? font : logo;
  const input = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<string | null>(null);

  function pick(file: File | undefined) {
    if (!file) return;
    const local = fileProblem(file, kind);
    if (local) {
      setProblem(t(`fileProblems.${kind}_${local}`));
      return;
    }
    setProblem(null);
    upload.mutate(
      { kitId, file },
      {
        onSuccess: () => toast(t(kind === "font" ? "fontAdded" : "logoAdded")),
        onError: (error) => setProblem(describeError(te, error)),
        onSettled: () => {
          if (input.current) input.current.value = "";
        },
      },
    );
  }

  return (
    <div className="grid gap-1.5">
      <input
        ref={input}
        type="file"
        accept={kind === "font" ? FONT_TYPES : LOGO_TYPES}
        className="sr-only"
        tabIndex={-1}
        aria-label={t(kind === "font" ? "uploadFont" : "uploadLogo")}
        id={`upload-${kind}`}
        onChange={(e) => pick(e.target.files?.[0])}
        data-testid={`upload-${kind}`}
      />
      <Button type="button" variant="outline" size="sm" className="justify-self-start" disabled={upload.isPending} onClick={() => input.current?.click()}>
        {upload.isPending ? <Spinner /> : <Upload aria-hidden="true" />}
        {t(kind === "font" ? "uploadFont" : "uploadLogo")}
      </Button>
      <p className="text-xs text-muted-foreground">{t(kind === "font" ? "fontHint" : "logoHint")}</p>
      {problem ? (
        <Alert variant="destructive" data-testid={`${kind}-error`}>
          {problem}
        </Alert>
      ) : null}
    </div>
  );
}

/** Create or edit one kit: name, colours by role, prompt guidance; fonts and logos once it exists. */
export function BrandKitEditor({ kit, onCreated, onDeleted }: { kit: BrandKitOut | null; onCreated: (id: string) => void; onDeleted: () => void }) {
  const t = useTranslations("brandKits");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const create = useCreateBrandKit();
  const update = useUpdateBrandKit();
  const remove = useDeleteBrandKit();
  const removeFont = useDeleteBrandFont();
  const removeLogo = useDeleteBrandLogo();
  const [values, setValues] = useState<KitValues>(() => valuesFrom(kit));
  const [shown, setShown] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const problems = kitProblems(values);
  const saving = create.isPending || update.isPending;
  const error = create.error ?? update.error;
  const problemFor = (field: KitProblem["field"], role?: string) =>
    shown ? problems.find((p) => p.field === field && (!role || ("role" in p && p.role === role))) : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    setShown(true);
    if (problems.length) return;
    const body = kitBody(values);
    if (kit) update.mutate({ id: kit.id, body }, { onSuccess: () => toast(tc("saved")) });
    else create.mutate(body, { onSuccess: (created) => { toast(t("created")); onCreated(created.id); } });
  }

  const setColour = (role: (typeof COLOUR_ROLES)[number], hex: string) => setValues((v) => ({ ...v, colours: { ...v.colours, [role]: hex } }));
  const nameProblem = problemFor("name");
  const styleProblem = problemFor("styleWords");
  const avoidProblem = problemFor("avoidWords");

  return (
    <div className="grid content-start gap-4" data-testid="brand-kit-editor">
      <Card>
        <CardHeader>
          <CardTitle>{kit ? kit.name : t("newKit")}</CardTitle>
        </CardHeader>
        <CardContent>
          <form onSubmit={submit} noValidate className="grid gap-4">
            <Field label={t("name")} error={nameProblem ? problemText(t, nameProblem) : undefined}>
              <Input value={values.name} maxLength={100} onChange={(e) => setValues((v) => ({ ...v, name: e.target.value }))} placeholder={t("namePlaceholder")} />
            </Field>
            <fieldset className="grid gap-2">
              <legend className="mb-1 text-sm font-medium">{t("colours")}</legend>
              <p className="text-xs text-muted-foreground">{t("coloursHint")}</p>
              <div className="grid gap-2 sm:grid-cols-2">
                {COLOUR_ROLES.map((role) => {
                  const hex = values.colours[role];
                  const bad = problemFor("colour", role);
                  const valid = /^#[0-9A-F]{6}$/i.test(hex);
                  return (
                    <div key={role} className="grid gap-1">
                      <label htmlFor={`colour-${role}`} className="text-xs font-medium">
                        {t(`roles.${role}`)}
                      </label>
                      <div className="flex items-center gap-2">
                        <input
                          type="color"
                          aria-label={t("pickColour", { role: t(`roles.${role}`) })}
                          value={valid ? hex.toLowerCase() : "#000000"}
                          onChange={(e) => setColour(role, e.target.value.toUpperCase())}
                          className="h-9 w-10 cursor-pointer rounded border bg-background p-0.5"
                        />
                        <Input
                          id={`colour-${role}`}
                          value={hex}
                          placeholder={t("hexPlaceholder")}
                          className="font-mono uppercase"
                          maxLength={7}
                          onChange={(e) => setColour(role, e.target.value)}
                          onBlur={(e) => setColour(role, normaliseHex(e.target.value))}
                          aria-invalid={bad ? true : undefined}
                          aria-describedby={bad ? `colour-${role}-error` : undefined}
                        />
                        {hex ? (
                          <Button type="button" variant="ghost" size="icon-sm" aria-label={t("clearColour", { role: t(`roles.${role}`) })} onClick={() => setColour(role, "")}>
                            <Trash2 aria-hidden="true" />
                          </Button>
                        ) : null}
                      </div>
                      {bad ? (
                        <p id={`colour-${role}-error`} role="alert" className="text-xs font-medium text-destructive">
                          {problemText(t, bad)}
                        </p>
                      ) : null}
                    </div>
                  );
                })}
              </div>
            </fieldset>
            <Field label={t("styleWords")} hint={t("styleWordsHint", { count: parseWords(values.styleWords).length })} error={styleProblem ? problemText(t, styleProblem) : undefined}>
              <Textarea rows={2} value={values.styleWords} onChange={(e) => setValues((v) => ({ ...v, styleWords: e.target.value }))} placeholder={t("styleWordsPlaceholder")} />
            </Field>
            <Field label={t("avoidWords")} hint={t("avoidWordsHint", { count: parseWords(values.avoidWords).length })} error={avoidProblem ? problemText(t, avoidProblem) : undefined}>
              <Textarea rows={2} value={values.avoidWords} onChange={(e) => setValues((v) => ({ ...v, avoidWords: e.target.value }))} placeholder={t("avoidWordsPlaceholder")} />
            </Field>
            {error ? <Alert variant="destructive">{describeError(te, error)}</Alert> : null}
            <div className="flex flex-wrap justify-between gap-2">
              <Button type="submit" disabled={saving}>
                {saving ? <Spinner /> : null}
                {kit ? tc("save") : t("create")}
              </Button>
              {kit ? (
                <Button type="button" variant="outline" className="text-destructive" onClick={() => setConfirming(true)}>
                  <Trash2 aria-hidden="true" />
                  {t("delete")}
                </Button>
              ) : null}
            </div>
          </form>
        </CardContent>
      </Card>

      {kit ? (
        <div className="grid gap-4 lg:grid-cols-2">
          <Card>
            <CardHeader>
              <CardTitle>{t("fonts")}</CardTitle>
            </CardHeader>
            <CardContent className="grid gap-3">
              <ul className="grid gap-1.5" data-testid="font-list">
                <li className="flex items-center justify-between gap-2 rounded-md border px-3 py-2 text-sm">
                  <span>{t("bundledFont")}</span>
                  {kit.default_font_id === null ? (
                    <Badge variant="secondary">{t("default")}</Badge>
                  ) : (
                    <Button variant="ghost" size="sm" onClick={() => update.mutate({ id: kit.id, body: { default_font_id: null } })}>
                      {t("makeDefault")}
                    </Button>
                  )}
                </li>
                {kit.fonts.map((f) => (
                  <li key={f.id} className="flex items-center justify-between gap-2 rounded-md border px-3 py-2 text-sm">
                    <span className="min-w-0 truncate">
                      {f.family} <span className="text-muted-foreground">{f.style}</span>
                    </span>
                    <span className="flex items-center gap-1">
                      {kit.default_font_id === f.id ? (
                        <Badge variant="secondary">
                          <Star aria-hidden="true" className="size-3" />
                          {t("default")}
                        </Badge>
                      ) : (
                        <Button variant="ghost" size="sm" onClick={() => update.mutate({ id: kit.id, body: { default_font_id: f.id } })}>
                          {t("makeDefault")}
                        </Button>
                      )}
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        aria-label={t("deleteFont", { name: `${f.family} ${f.style}` })}
                        onClick={() => removeFont.mutate({ kitId: kit.id, fontId: f.id }, { onError: (e) => toast(describeError(te, e), "error") })}
                      >
                        <Trash2 aria-hidden="true" />
                      </Button>
                    </span>
                  </li>
                ))}
              </ul>
              <Upload_ kitId={kit.id} kind="font" />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>{t("logos")}</CardTitle>
            </CardHeader>
            <CardContent className="grid gap-3">
              {kit.logos.length === 0 ? (
                <p className="text-sm text-muted-foreground">{t("noLogos")}</p>
              ) : (
                <ul className="grid grid-cols-2 gap-2" data-testid="logo-list">
                  {kit.logos.map((logo, i) => (
                    <li key={logo.id} className="grid gap-1 rounded-md border p-2">
                      <div className="flex h-20 items-center justify-center rounded bg-[repeating-conic-gradient(#e5e7eb_0_25%,#fff_0_50%)] bg-[length:12px_12px]">
                        {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring URL */}
                        <img src={logo.url} alt={t("logoAlt", { n: i + 1 })} className="max-h-16 max-w-full object-contain" />
                      </div>
                      <div className="flex items-center justify-between text-xs text-muted-foreground">
                        <span className="tabular-nums">
                          {logo.width}×{logo.height}
                        </span>
                        <Button
                          variant="ghost"
                          size="icon-sm"
                          aria-label={t("deleteLogo", { n: i + 1 })}
                          onClick={() => removeLogo.mutate({ kitId: kit.id, logoId: logo.id }, { onError: (e) => toast(describeError(te, e), "error") })}
                        >
                          <Trash2 aria-hidden="true" />
                        </Button>
                      </div>
                    </li>
                  ))}
                </ul>
              )}
              <Upload_ kitId={kit.id} kind="logo" />
            </CardContent>
          </Card>
        </div>
      ) : (
        <p className="text-sm text-muted-foreground">{t("assetsAfterCreate")}</p>
      )}

      {kit ? (
        <ConfirmDialog
          open={confirming}
          onOpenChange={setConfirming}
          title={t("deleteTitle")}
          description={t("deleteBody", { name: kit.name })}
          confirmLabel={tc("delete")}
          cancelLabel={tc("cancel")}
          destructive
          busy={remove.isPending}
          onConfirm={() =>
            remove.mutate(kit.id, {
              onSuccess: () => {
                setConfirming(false);
                toast(t("deleted"));
                onDeleted();
              },
            })
          }
        >
          {remove.error ? <Alert variant="destructive">{describeError(te, remove.error)}</Alert> : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
