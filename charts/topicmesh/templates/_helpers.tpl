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
