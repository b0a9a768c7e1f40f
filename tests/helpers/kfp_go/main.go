// Command kfp-argo-compile runs a compiled KFP pipeline through the Go code
// of the open-source Kubeflow Pipelines API server that turns a run (or a
// recurring run) into an Argo Workflow, and prints what came out.
//
//	kfp-argo-compile PIPELINE.yaml [--run-params JSON] [--pipeline-root URI]
//	                 [--run JSON | --recurring-run JSON] [--namespace NS]
//
// PIPELINE.yaml is what `kfp compile` (or our kubeflow_runner) writes: the
// PipelineSpec, optionally followed by a `{"platforms": {"kubernetes": ...}}`
// document. --run-params is the run's parameter values (a JSON object);
// --run / --recurring-run is instead the whole v2beta1 request body kfp.Client
// sends to POST /apis/v2beta1/runs or /recurringruns (its display name,
// runtime_config and trigger are used; --run-params then adds to it).
//
// Stdout is one JSON object:
//
//	{"ok": true, "kind": "run"|"recurring_run", "workflow": <Argo Workflow>,
//	 "scheduled_workflow": <ScheduledWorkflow> (recurring runs only),
//	 "quantities": {<workflow argument>: {<resource field>: <quantity>}}}
//
// and exit 0, or
//
//	{"ok": false, "stage": "request"|"upload"|"run"|"recurring_run",
//	 "error": <the server's error chain>, "http_status": <int>,
//	 "http_body": <the JSON body the REST gateway answers with>}
//
// and exit 1 (exit 2 for a usage or file error, with the same shape).
//
// Nothing here re-implements the compiler: every step below calls the
// server's own functions from github.com/kubeflow/pipelines at the pinned
// version (go.mod), in the order the server calls them. Only the glue the
// server keeps in unexported functions or in its database layer is written
// out, each piece with the lines it stands for. Line numbers are of
// kubeflow/pipelines tag 2.14.3 (commit fc3214d4b4d3, the version in go.mod),
// checked against that tag's files (not master's). Paths are under
// backend/src/: apiserver/server/ (run_server.go, job_server.go,
// api_converter.go), apiserver/resource/, apiserver/template/,
// apiserver/common/, common/util/ (util/...), v2/compiler/argocompiler/
// (argo.go, container.go), v2/driver/ (driver/...); go.mod is the
// repository's root go.mod:
//
//   - Upload (resource_manager.go:395-445, CreatePipelineAndPipelineVersion):
//     template.New (template.go:144 -> v2_template.go:173 NewV2SpecTemplate)
//     parses the documents; common.ValidatePipelineName (resource_manager.go:
//     415); the version stores tmpl.Bytes() (resource_manager.go:445,
//     v2_template.go:245), the re-serialised spec and platform spec.
//   - Run (run_server.go:518-531 RunServer.CreateRun -> run_server.go:137-159
//     createRun -> resource_manager.go:515-550 CreateRun): the stored
//     manifest goes through template.New again (resource_manager.go:1524,
//     fetchTemplateFromPipelineSpec), then tmpl.RunWorkflow (resource_
//     manager.go:543 -> v2_template.go:305-364: PipelineJob from the spec,
//     runtime config, validatePipelineJobInputs, the "kubernetes" platform
//     spec, argocompiler.Options{CacheDisabled, DefaultWorkspace} and
//     argocompiler.Compile at v2_template.go:333-341, "Failed to compile job"),
//     then executionSpec.Validate(false, false) (resource_manager.go:547,
//     util/workflow.go:773: Argo's own validate.ValidateWorkflow).
//   - Recurring run (job_server.go:320-335 JobServer.CreateRecurringRun ->
//     job_server.go:97-121 createJob -> resource_manager.go:1094-1160
//     CreateJob): with a pipeline version, template.New and
//     tmpl.ScheduledWorkflow (resource_manager.go:1115-1125 ->
//     v2_template.go:91-167, which compiles the same way at v2_template.go:
//     122-132); without one, the latest version is compiled the same way
//     for validation (resource_manager.go:1127-1145).
//   - Request body to model (reproduced, unexported in the server):
//     the gateway decodes the body with common.CustomMarshaler()
//     (apiserver/main.go:282-284, common/utils.go:153-167: DiscardUnknown false);
//     api_converter.go:1224-1229 and 924-961 (display name, pipeline version,
//     runtime config), api_converter.go:626-636 (parameters are the JSON of
//     map[string]*structpb.Value), api_converter.go:706-734 (trigger),
//     api_converter.go:1815-1989 (recurring run: K8SName = display name,
//     mode, max_concurrency, no_catchup). The namespace is the API server's
//     POD_NAMESPACE (resource_manager.go:1096-1101, 552-558), "kubeflow" as in
//     the standard manifests, unless --namespace is given.
//   - Errors: each wrap is the server's, with its words (the lines above);
//     util.ToGRPCError is what the server's interceptor applies
//     (apiserver/interceptor.go:34); the HTTP status and body come from the
//     grpc-gateway's own DefaultHTTPErrorHandler on a mux configured as the
//     server's (apiserver/main.go:282-284).
//
// "quantities": for every container spec the compiler hands to the driver
// (the workflow arguments "implementations-*", argo.go:254-300), the resource
// strings the driver turns into pod resources at run time (driver/driver.go:
// 215-304, initPodSpecPatch) parsed with the same k8s.io resource.ParseQuantity
// (driver.go:143, 298), as its canonical string or "error: ...". The Workflow
// itself carries no user resources, node selector or tolerations: the driver
// writes them into the pod-spec-patch when the task runs (container.go:319-
// 426; driver/k8s.go:156-236), and that driver code is not run here.
//
// Build note: kubeflow/pipelines 2.14.3 builds its backend against the api
// and kubernetes_platform modules of the same commit (go.mod:250-252,
// `replace ... => ./api`), which are not published as module versions; go.mod
// here names the versions 2.14.3's go.mod requires (api 873e9dedd766, 2025-01,
// and kubernetes_platform d911c8b73b49, 2024-07). Against that api,
// argocompiler/argo.go:106,108,509 do not compile: they use WorkspaceConfig,
// added to pipeline_spec.proto after it (api commit 67f9b7d, 2025-05-21). The
// ./dev script therefore builds with a copy of that api module (from the
// module proxy) plus tests/helpers/kfp_go/workspace_stub.go.txt, which declares the
// missing Go names only, returning nil/"" as protobuf getters do for an
// absent field: with that proto no PlatformSpec can carry a workspace, so
// argo.go's workspace branch is never taken, exactly as for a pipeline
// without a workspace on a real 2.14.3 server.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	apiv2beta1 "github.com/kubeflow/pipelines/backend/api/v2beta1/go_client"
	"github.com/kubeflow/pipelines/backend/src/apiserver/common"
	"github.com/kubeflow/pipelines/backend/src/apiserver/config/proxy"
	"github.com/kubeflow/pipelines/backend/src/apiserver/model"
	"github.com/kubeflow/pipelines/backend/src/apiserver/template"
	"github.com/kubeflow/pipelines/backend/src/common/util"
	"github.com/spf13/viper"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	k8sres "k8s.io/apimachinery/pkg/api/resource"
)

const runID = "00000000-0000-0000-0000-000000000001"

type result map[string]interface{}

func emit(r result, code int) {
	out, err := json.Marshal(r)
	if err != nil {
		out = []byte(fmt.Sprintf(`{"ok": false, "stage": "output", "error": %q}`, err.Error()))
		code = 2
	}
	os.Stdout.Write(append(out, '\n'))
	os.Exit(code)
}

func usage(message string) {
	emit(result{"ok": false, "stage": "usage", "error": message}, 2)
}

// refuse answers as the server does for err: ToGRPCError (interceptor.go:34)
// then the gateway's error handler (apiserver/main.go:282-284).
func refuse(stage string, err error) {
	grpcErr := util.ToGRPCError(err)
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, common.CustomMarshaler()))
	recorder := httptest.NewRecorder()
	request := httptest.NewRequest(http.MethodPost, "/apis/v2beta1/runs", nil)
	request.Header.Set("Content-Type", "application/json")
	runtime.DefaultHTTPErrorHandler(context.Background(), mux, common.CustomMarshaler(),
		recorder, request, grpcErr)
	var body interface{}
	if json.Unmarshal(recorder.Body.Bytes(), &body) != nil {
		body = recorder.Body.String()
	}
	emit(result{"ok": false, "stage": stage, "error": err.Error(),
		"http_status": recorder.Code, "http_body": body}, 1)
}

// decodeBody decodes a REST body into msg as the gateway does (DiscardUnknown
// false, common/utils.go:161-165); a bad body is a 400 from the gateway.
func decodeBody(text string, msg interface{}) {
	marshaler := common.CustomMarshaler()
	if err := marshaler.Unmarshal([]byte(text), msg); err != nil {
		emit(result{"ok": false, "stage": "request", "error": err.Error(),
			"http_status": http.StatusBadRequest,
			"http_body":   map[string]interface{}{"code": 3, "message": err.Error(), "details": []interface{}{}}}, 1)
	}
}

// modelParameters is api_converter.go:626-636.
func modelParameters(params map[string]*structpb.Value) string {
	if params == nil {
		return ""
	}
	b, err := json.Marshal(params)
	if err != nil {
		usage("cannot marshal the parameters: " + err.Error())
	}
	if string(b) == "null" {
		return ""
	}
	return string(b)
}

// quantities parses what the driver will parse (driver.go:143, 298).
func quantities(workflow map[string]interface{}) map[string]map[string]string {
	out := map[string]map[string]string{}
	spec, _ := workflow["spec"].(map[string]interface{})
	arguments, _ := spec["arguments"].(map[string]interface{})
	parameters, _ := arguments["parameters"].([]interface{})
	for _, p := range parameters {
		param, _ := p.(map[string]interface{})
		name, _ := param["name"].(string)
		value, _ := param["value"].(string)
		if !strings.HasPrefix(name, "implementations-") {
			continue
		}
		container := &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec{}
		if err := protojson.Unmarshal([]byte(value), container); err != nil {
			out[name] = map[string]string{"error": err.Error()}
			continue
		}
		res := container.GetResources()
		fields := map[string]string{
			"resourceCpuLimit":          res.GetResourceCpuLimit(),
			"resourceCpuRequest":        res.GetResourceCpuRequest(),
			"resourceMemoryLimit":       res.GetResourceMemoryLimit(),
			"resourceMemoryRequest":     res.GetResourceMemoryRequest(),
			"accelerator.resourceCount": res.GetAccelerator().GetResourceCount(),
		}
		parsed := map[string]string{}
		for field, text := range fields {
			if text == "" {
				continue
			}
			q, err := k8sres.ParseQuantity(text)
			if err != nil {
				parsed[field] = "error: " + err.Error()
			} else {
				parsed[field] = q.String()
			}
		}
		out[name] = parsed
	}
	return out
}

func main() {
	fs := flag.NewFlagSet("kfp-argo-compile", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runParams := fs.String("run-params", "", "the run's parameter values, a JSON object")
	pipelineRoot := fs.String("pipeline-root", "", "the run's pipeline root")
	runBody := fs.String("run", "", "a v2beta1 Run request body")
	recurringBody := fs.String("recurring-run", "", "a v2beta1 RecurringRun request body")
	namespace := fs.String("namespace", "kubeflow", "the API server's POD_NAMESPACE")
	var positional []string
	args := os.Args[1:]
	for {
		if err := fs.Parse(args); err != nil {
			usage(err.Error())
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != 1 {
		usage("usage: kfp-argo-compile PIPELINE.yaml [--run-params JSON] [--pipeline-root URI] [--run JSON | --recurring-run JSON]")
	}
	if *runBody != "" && *recurringBody != "" {
		usage("give --run or --recurring-run, not both")
	}
	// The server's libraries log through glog: keep it off the files it
	// would otherwise write under the temporary directory.
	flag.Set("logtostderr", "true")
	flag.Set("stderrthreshold", "FATAL")
	// The server's start-up (apiserver/main.go:81-91, 389-413): configuration from the
	// environment (e.g. V2_LAUNCHER_IMAGE, V2_DRIVER_IMAGE), the execution
	// type (Argo Workflow by default) and the proxy settings, here those of a
	// server with no HTTP(S) proxy configured (proxy/config.go:41-43), so the
	// output does not depend on this machine's proxy variables.
	viper.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	viper.AutomaticEnv()
	viper.AllowEmptyEnv(true)
	proxy.InitializeConfig("", "", "")

	manifest, err := os.ReadFile(positional[0])
	if err != nil {
		usage(err.Error())
	}

	// --- the request, as the gateway and api_converter.go make it a model.
	var displayName, versionID, serviceAccount string
	var runtimeConfig *apiv2beta1.RuntimeConfig
	recurring := *recurringBody != ""
	job := &model.Job{}
	if recurring {
		api := &apiv2beta1.RecurringRun{}
		decodeBody(*recurringBody, api)
		displayName = api.GetDisplayName()
		versionID = api.GetPipelineVersionReference().GetPipelineVersionId()
		serviceAccount = api.GetServiceAccount()
		runtimeConfig = api.GetRuntimeConfig()
		// api_converter.go:706-734 (toModelTrigger, v2beta1).
		if t := api.GetTrigger(); t != nil {
			if c := t.GetCronSchedule(); c != nil {
				job.CronSchedule = model.CronSchedule{Cron: &c.Cron}
				if c.StartTime != nil {
					job.CronScheduleStartTimeInSec = &c.StartTime.Seconds
				}
				if c.EndTime != nil {
					job.CronScheduleEndTimeInSec = &c.EndTime.Seconds
				}
			}
			if p := t.GetPeriodicSchedule(); p != nil {
				job.PeriodicSchedule = model.PeriodicSchedule{IntervalSecond: &p.IntervalSecond}
				if p.StartTime != nil {
					job.PeriodicScheduleStartTimeInSec = &p.StartTime.Seconds
				}
				if p.EndTime != nil {
					job.PeriodicScheduleEndTimeInSec = &p.EndTime.Seconds
				}
			}
		}
		job.MaxConcurrency = api.GetMaxConcurrency()
		job.NoCatchup = api.GetNoCatchup()
		job.Enabled = api.GetMode() != apiv2beta1.RecurringRun_DISABLE
	} else if *runBody != "" {
		api := &apiv2beta1.Run{}
		decodeBody(*runBody, api)
		displayName = api.GetDisplayName()
		versionID = api.GetPipelineVersionReference().GetPipelineVersionId()
		serviceAccount = api.GetServiceAccount()
		runtimeConfig = api.GetRuntimeConfig()
	}
	if *runBody == "" && *recurringBody == "" {
		displayName = "kfp-argo-compile"
	}
	params := map[string]*structpb.Value{}
	for k, v := range runtimeConfig.GetParameters() {
		params[k] = v
	}
	if *runParams != "" {
		extra := map[string]*structpb.Value{}
		if err := json.Unmarshal([]byte(*runParams), &extra); err != nil {
			usage("--run-params is not a JSON object: " + err.Error())
		}
		for k, v := range extra {
			params[k] = v
		}
	}
	root := runtimeConfig.GetPipelineRoot()
	if *pipelineRoot != "" {
		root = *pipelineRoot
	}
	modelRuntimeConfig := model.RuntimeConfig{Parameters: modelParameters(params), PipelineRoot: root}

	// --- upload (resource_manager.go:405-445).
	uploaded, err := template.New(manifest, false, nil)
	if err != nil {
		refuse("upload", util.Wrap(err, "Failed to create a pipeline and a pipeline version due to template creation error"))
	}
	if uploaded.IsV2() {
		if err := common.ValidatePipelineName(uploaded.V2PipelineName()); err != nil {
			refuse("upload", err)
		}
	}
	stored := uploaded.Bytes()

	if !recurring {
		// --- run (run_server.go:137-159, resource_manager.go:515-550).
		if displayName == "" {
			refuse("run", util.Wrap(util.Wrapf(util.NewInvalidInputError("The run name is empty. Please specify a valid name"), "Failed to create a run due to invalid name"), "Failed to create a new run"))
		}
		tmpl, err := template.New(stored, false, nil)
		if err != nil {
			refuse("run", util.Wrap(util.NewInternalServerError(util.Wrap(err, "Failed to fetch a template with an invalid pipeline spec manifest"), "Failed to create a run due to error fetching manifest"), "Failed to create a new run"))
		}
		run := &model.Run{
			UUID:           runID,
			DisplayName:    displayName,
			ServiceAccount: serviceAccount,
			PipelineSpec: model.PipelineSpec{
				PipelineVersionId: versionID,
				RuntimeConfig:     modelRuntimeConfig,
			},
		}
		run.RunDetails.CreatedAtInSec = time.Now().Unix()
		executionSpec, err := tmpl.RunWorkflow(run, template.RunWorkflowOptions{
			RunId: run.UUID, RunAt: run.CreatedAtInSec,
			CacheDisabled: false, DefaultWorkspace: nil,
		})
		if err != nil {
			refuse("run", util.Wrap(util.Wrap(err, "Failed to generate the ExecutionSpec"), "Failed to create a new run"))
		}
		if err := executionSpec.Validate(false, false); err != nil {
			refuse("run", util.Wrap(util.NewInternalServerError(err, "Failed to validate workflow for (%+v)", executionSpec.ExecutionName()), "Failed to create a new run"))
		}
		executionSpec.SetExecutionNamespace(*namespace)
		var workflow map[string]interface{}
		if err := json.Unmarshal([]byte(executionSpec.ToStringForStore()), &workflow); err != nil {
			usage("cannot read back the workflow: " + err.Error())
		}
		emit(result{"ok": true, "kind": "run", "workflow": workflow, "quantities": quantities(workflow)}, 0)
	}

	// --- recurring run (job_server.go:97-121, resource_manager.go:1094-1160).
	if displayName == "" {
		refuse("recurring_run", util.Wrap(util.NewInvalidInputError("Recurring run name is empty. Please specify a valid name"), "Failed to create a recurring run"))
	}
	job.DisplayName = displayName
	job.K8SName = displayName
	job.Namespace = *namespace
	job.ServiceAccount = serviceAccount
	job.PipelineSpec = model.PipelineSpec{PipelineVersionId: versionID, RuntimeConfig: modelRuntimeConfig}
	tmpl, err := template.New(stored, false, nil)
	if err != nil {
		if versionID != "" {
			refuse("recurring_run", util.Wrap(util.NewInternalServerError(util.Wrap(err, "Failed to fetch a template with an invalid pipeline spec manifest"), "Failed to create a recurring run with an invalid pipeline spec manifest"), "Failed to create a recurring run"))
		}
		refuse("recurring_run", util.Wrap(util.Wrap(err, "Failed to fetch a template with an invalid pipeline spec manifest"), "Failed to create a recurring run"))
	}
	swf, err := tmpl.ScheduledWorkflow(job)
	if err != nil {
		wording := "Failed to create a recurring run during scheduled workflow creation"
		if versionID == "" {
			wording = "Failed to validate the input parameters on the latest pipeline version"
		}
		refuse("recurring_run", util.Wrap(util.Wrap(err, wording), "Failed to create a recurring run"))
	}
	var workflow map[string]interface{}
	if spec, ok := swf.Spec.Workflow.Spec.(string); ok {
		if err := json.Unmarshal([]byte(spec), &workflow); err != nil {
			usage("cannot read back the scheduled workflow: " + err.Error())
		}
	}
	var scheduled interface{}
	b, _ := json.Marshal(swf)
	json.Unmarshal(b, &scheduled)
	emit(result{"ok": true, "kind": "recurring_run", "workflow": workflow,
		"scheduled_workflow": scheduled, "quantities": quantities(workflow)}, 0)
}
