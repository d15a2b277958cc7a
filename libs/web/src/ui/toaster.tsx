"use client";

import { X } from "lucide-react";
import { useEffect } from "react";
import { create } from "zustand";

import { cn } from "../lib/cn";

export interface Toast {
  id: number;
  text: string;
  tone: "default" | "error";
}

interface ToastState {
  toasts: Toast[];
  push: (text: string, tone?: Toast["tone"]) => void;
  dismiss: (id: number) => void;
}

let nextId = 1;

export const useToasts = create<ToastState>((set) => ({
  toasts: [],
  push: (text, tone = "default") => set((s) => ({ toasts: [...s.toasts.slice(-3), { id: nextId++, text, tone }] })),
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

export const toast = (text: string, tone: Toast["tone"] = "default") => useToasts.getState().push(text, tone);

function ToastItem({ item, closeLabel }: { item: Toast; closeLabel: string }) {
  const dismiss = useToasts((s) => s.dismiss);
  useEffect(() => {
    const timer = setTimeout(() => dismiss(item.id), item.tone === "error" ? 8000 : 4000);
    return () => clearTimeout(timer);
  }, [dismiss, item]);
  return (
    <li
      className={cn(
        "pointer-events-auto flex items-start gap-3 rounded-md border px-4 py-3 text-sm shadow-lg",
        item.tone === "error" ? "border-destructive/40 bg-destructive text-destructive-foreground" : "bg-foreground text-background",
      )}
    >
      <span className="flex-1">{item.text}</span>
      <button type="button" onClick={() => dismiss(item.id)} className="rounded-sm opacity-80 hover:opacity-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">
        <X className="size-4" aria-hidden="true" />
        <span className="sr-only">{closeLabel}</span>
      </button>
    </li>
  );
}

/** Short confirmations and errors, announced to screen readers. */
export function Toaster({ closeLabel }: { closeLabel: string }) {
  const toasts = useToasts((s) => s.toasts);
  return (
    <ol aria-live="polite" className="pointer-events-none fixed inset-x-0 bottom-3 z-[60] mx-auto flex w-full max-w-md flex-col gap-2 px-3">
      {toasts.map((t) => (
        <ToastItem key={t.id} item={t} closeLabel={closeLabel} />
      ))}
    </ol>
  );
}
