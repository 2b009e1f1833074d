{{/* Chart name, truncated to the 63 characters a label value may hold. */}}
{{- define "sabot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of the operator's objects: the release name, with the chart name added unless it is already in it. */}}
{{- define "sabot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sabot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sabot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "sabot.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "sabot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "sabot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sabot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator's image; jobs run the same image unless jobs.image says otherwise. */}}
{{- define "sabot.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The namespaces whose StreamJobs the operator reconciles, comma-separated; empty when it watches
all of them. watchAllNamespaces wins, then the watchNamespaces list, then watchNamespace, then
the release namespace.
*/}}
{{- define "sabot.watchNamespace" -}}
{{- if not .Values.watchAllNamespaces }}
{{- if .Values.watchNamespaces }}
{{- .Values.watchNamespaces | uniq | join "," }}
{{- else }}
{{- default .Release.Namespace .Values.watchNamespace }}
{{- end }}
{{- end }}
{{- end }}

{{/* Whether the cluster serves the Prometheus Operator's CRDs (monitors are rendered only then). */}}
{{- define "sabot.hasMonitoringApi" -}}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}true{{ end }}
{{- end }}

{{/*
The networkPolicy values as the operator reads them (SABOT_OPERATOR_NETWORK_POLICY, JSON); an
empty operatorFrom becomes this release's operator pods: its namespace and selector labels.
*/}}
{{- define "sabot.networkPolicyJson" -}}
{{- $v := .Values.networkPolicy }}
{{- $self := dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" .Release.Namespace)) "podSelector" (dict "matchLabels" (include "sabot.selectorLabels" . | fromYaml)) }}
{{- dict "enabled" $v.enabled "operatorFrom" (default (list $self) $v.operatorFrom) "metricsFrom" $v.metricsFrom "uiFrom" $v.uiFrom | toJson }}
{{- end }}
