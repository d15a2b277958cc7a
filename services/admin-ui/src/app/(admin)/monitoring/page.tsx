"use client";

import { MonitoringView } from "@/components/monitoring/monitoring-view";

export default function MonitoringPage() {
  return <MonitoringView />;
}
