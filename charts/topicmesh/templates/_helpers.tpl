{{- define "topicmesh.name" -}}{{ .Release.Name }}-operator{{- end -}}
{{- define "topicmesh.labels" -}}
app.kubernetes.io/name: topicmesh-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
{{- define "topicmesh.selector" -}}
app.kubernetes.io/name: topicmesh-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "topicmesh.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end -}}
{{/* The watched namespaces as a list (empty: all namespaces, cluster-wide mode). */}}
{{- define "topicmesh.watchNamespaces" -}}
{{- $list := list -}}
{{- range (splitList "," .Values.watchNamespaces) -}}{{- if . -}}{{- $list = append $list . -}}{{- end -}}{{- end -}}
{{- toJson (uniq $list) -}}
{{- end -}}
