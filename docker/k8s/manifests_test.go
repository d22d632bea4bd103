package k8s

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// The capabilities a zcnic container may add (see the manifests'
// comments), and the ones a container with PCI devices (SR-IOV VFs
// through VFIO) must add.
var (
	allowedCaps = []corev1.Capability{"IPC_LOCK", "NET_ADMIN", "NET_RAW", "SYS_NICE"}
	pciCaps     = []corev1.Capability{"IPC_LOCK"}
)

const (
	hugeResource = corev1.ResourceName(corev1.ResourceHugePagesPrefix + "2Mi")
	hugeMedium   = corev1.StorageMedium(corev1.StorageMediumHugePagesPrefix + "2Mi")
	hugeDir      = "/dev/hugepages"

	networksAnnotation = "k8s.v1.cni.cncf.io/networks"
	resourceAnnotation = "k8s.v1.cni.cncf.io/resourceName"
)

// NetworkAttachmentDefinition is Multus's CRD
// (k8s.cni.cncf.io/v1), which k8s.io/api does not have: its fields as the
// CRD defines them, so that strict decoding rejects any other.
type NetworkAttachmentDefinition struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Config string `json:"config"`
	} `json:"spec"`
}

// sriovCNIConfig is the CNI config of the SR-IOV CNI plugin, as far as
// these manifests use it (no ipam: a VF bound to vfio-pci has no netdev).
type sriovCNIConfig struct {
	CNIVersion string `json:"cniVersion"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	VLAN       *int   `json:"vlan,omitempty"`
	SpoofChk   string `json:"spoofchk,omitempty"`
	Trust      string `json:"trust,omitempty"`
}

// sriovDPConfig is the SR-IOV network device plugin's config.json.
type sriovDPConfig struct {
	ResourceList []struct {
		ResourceName   string `json:"resourceName"`
		ResourcePrefix string `json:"resourcePrefix"`
		Selectors      struct {
			Vendors []string `json:"vendors"`
			Devices []string `json:"devices"`
			Drivers []string `json:"drivers"`
		} `json:"selectors"`
	} `json:"resourceList"`
}

// object is one decoded document: its file, its index there, the object.
type object struct {
	where string
	obj   any
}

// newObject returns an empty typed object for an apiVersion and kind.
func newObject(tm metav1.TypeMeta) (any, error) {
	switch tm.APIVersion + "/" + tm.Kind {
	case "v1/Pod":
		return &corev1.Pod{}, nil
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "apps/v1/DaemonSet":
		return &appsv1.DaemonSet{}, nil
	case "k8s.cni.cncf.io/v1/NetworkAttachmentDefinition":
		return &NetworkAttachmentDefinition{}, nil
	}
	return nil, fmt.Errorf("apiVersion %q kind %q: not a kind these manifests use", tm.APIVersion, tm.Kind)
}

// strictJSON decodes JSON into v the way the API server's strict field
// validation does (sigs.k8s.io/json): field names match case-sensitively,
// and an unknown or duplicated field is an error that names its path.
func strictJSON(data []byte, v any) error {
	strict, err := kjson.UnmarshalStrict(data, v)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// decode splits a YAML stream into documents and decodes each strictly
// into its API type: an unknown, misspelled (even only in case) or
// duplicated field, or a value of the wrong type, is an error. Documents
// with only comments are skipped.
func decode(name string, data []byte) ([]object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []object
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		where := fmt.Sprintf("%s#%d", name, i)
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if tm == (metav1.TypeMeta{}) {
			if j, err := yaml.YAMLToJSON(doc); err == nil && string(j) == "null" {
				continue // comments only
			}
		}
		obj, err := newObject(tm)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		j, err := yaml.YAMLToJSONStrict(doc) // duplicate keys are errors
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if err := strictJSON(j, obj); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		objs = append(objs, object{where, obj})
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("%s: no objects", name)
	}
	return objs, nil
}

// check returns what is wrong with a set of decoded objects (all the
// manifests together, since a pod names networks defined elsewhere).
func check(objs []object) error {
	var errs []error
	nads := map[string]*NetworkAttachmentDefinition{}
	dpResources := map[string]bool{}
	for _, o := range objs {
		fail := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("%s: "+format, append([]any{o.where}, a...)...))
		}
		var meta metav1.ObjectMeta
		switch v := o.obj.(type) {
		case *corev1.Pod:
			meta = v.ObjectMeta
		case *appsv1.DaemonSet:
			meta = v.ObjectMeta
		case *corev1.ConfigMap:
			meta = v.ObjectMeta
			if cfg, ok := v.Data["config.json"]; ok {
				var dp sriovDPConfig
				if err := strictJSON([]byte(cfg), &dp); err != nil {
					fail("config.json: %v", err)
				}
				for _, r := range dp.ResourceList {
					dpResources[r.ResourcePrefix+"/"+r.ResourceName] = true
				}
			}
		case *NetworkAttachmentDefinition:
			meta = v.ObjectMeta
			nads[v.Name] = v
			var cni sriovCNIConfig
			if err := strictJSON([]byte(v.Spec.Config), &cni); err != nil {
				fail("spec.config: %v", err)
			} else if cni.Name != v.Name || cni.Type == "" || cni.CNIVersion == "" {
				fail("spec.config: name %q type %q cniVersion %q: want the object's name, a type and a version", cni.Name, cni.Type, cni.CNIVersion)
			}
		}
		for _, e := range content.IsDNS1123Subdomain(meta.Name) {
			fail("metadata.name %q: %s", meta.Name, e)
		}
		errs = append(errs, checkLabels(o.where, meta.Labels)...)
	}
	for _, o := range objs {
		var spec *corev1.PodSpec
		var meta metav1.ObjectMeta
		switch v := o.obj.(type) {
		case *corev1.Pod:
			spec, meta = &v.Spec, v.ObjectMeta
		case *appsv1.DaemonSet:
			spec, meta = &v.Spec.Template.Spec, v.Spec.Template.ObjectMeta
			errs = append(errs, checkSelector(o.where, v)...)
		default:
			continue
		}
		errs = append(errs, checkPod(o.where, meta, spec, nads, dpResources)...)
	}
	return errors.Join(errs...)
}

func checkLabels(where string, l map[string]string) []error {
	var errs []error
	for k, v := range l {
		for _, e := range content.IsLabelKey(k) {
			errs = append(errs, fmt.Errorf("%s: label key %q: %s", where, k, e))
		}
		for _, e := range content.IsLabelValue(v) {
			errs = append(errs, fmt.Errorf("%s: label %s value %q: %s", where, k, v, e))
		}
	}
	return errs
}

func checkSelector(where string, ds *appsv1.DaemonSet) []error {
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil {
		return []error{fmt.Errorf("%s: spec.selector: %w", where, err)}
	}
	if sel.Empty() || !sel.Matches(labels.Set(ds.Spec.Template.Labels)) {
		return []error{fmt.Errorf("%s: spec.selector %s does not select the template's labels %v", where, sel, ds.Spec.Template.Labels)}
	}
	return nil
}

// envNameOf is the variable in which the SR-IOV device plugin passes the
// PCI addresses of a resource: PCIDEVICE_ and the name, upper case, with
// '.' and '/' as '_'.
func envNameOf(res corev1.ResourceName) string {
	return "PCIDEVICE_" + strings.ToUpper(strings.NewReplacer(".", "_", "/", "_").Replace(string(res)))
}

func checkPod(where string, meta metav1.ObjectMeta, spec *corev1.PodSpec, nads map[string]*NetworkAttachmentDefinition, dpResources map[string]bool) []error {
	var errs []error
	fail := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{where}, a...)...))
	}
	errs = append(errs, checkLabels(where, meta.Labels)...)
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		fail("host namespaces: a forwarder needs none")
	}
	hugeVolumes := map[string]bool{}
	for _, v := range spec.Volumes {
		if v.EmptyDir != nil && v.EmptyDir.Medium == hugeMedium {
			hugeVolumes[v.Name] = true
		}
	}
	if len(hugeVolumes) == 0 {
		fail("no emptyDir volume with medium %s", hugeMedium)
	}

	// Multus networks: each named one is defined, and its VF resource is
	// requested.
	var sriovRes []corev1.ResourceName
	if nets := meta.Annotations[networksAnnotation]; nets != "" {
		for _, n := range strings.Split(nets, ",") {
			n = strings.TrimSpace(n)
			nad, ok := nads[n]
			if !ok {
				fail("annotation %s names network %q, which no NetworkAttachmentDefinition defines", networksAnnotation, n)
				continue
			}
			res := corev1.ResourceName(nad.Annotations[resourceAnnotation])
			if res == "" {
				fail("network %q has no %s annotation", n, resourceAnnotation)
				continue
			}
			if !dpResources[string(res)] {
				fail("network %q wants resource %s, which no SR-IOV device plugin config advertises", n, res)
			}
			if !slices.Contains(sriovRes, res) {
				sriovRes = append(sriovRes, res)
			}
		}
	}

	if len(spec.Containers) == 0 {
		fail("no containers")
	}
	for _, c := range spec.Containers {
		cw := "container " + c.Name
		// Guaranteed QoS: requests equal limits, for every resource.
		req, lim := c.Resources.Requests, c.Resources.Limits
		for _, name := range resourceNames(req, lim) {
			r, hasR := req[name]
			l, hasL := lim[name]
			if !hasR || !hasL || r.Cmp(l) != 0 {
				fail("%s: %s request %s != limit %s: guaranteed QoS needs them equal", cw, name, qty(r, hasR), qty(l, hasL))
			}
		}
		cpu, hasCPU := lim[corev1.ResourceCPU]
		if !hasCPU || cpu.MilliValue()%1000 != 0 || cpu.Value() < 1 {
			fail("%s: cpu limit %s: want a whole number of CPUs (the static CPU manager pins only those)", cw, qty(cpu, hasCPU))
		}
		if _, ok := lim[corev1.ResourceMemory]; !ok {
			fail("%s: no memory limit: guaranteed QoS needs one", cw)
		}
		if h, ok := lim[hugeResource]; !ok || h.IsZero() {
			fail("%s: no %s limit", cw, hugeResource)
		}
		for _, res := range sriovRes {
			if n, ok := lim[res]; !ok || n.IsZero() {
				fail("%s: its networks need resource %s, which it does not request", cw, res)
			} else if env := envNameOf(res); !strings.Contains(strings.Join(append(slices.Clone(c.Command), c.Args...), " "), env) {
				fail("%s: requests %s but never reads its PCI addresses from $%s", cw, res, env)
			}
		}

		// The hugepage volume at /dev/hugepages.
		mounted := false
		for _, m := range c.VolumeMounts {
			if hugeVolumes[m.Name] && m.MountPath == hugeDir {
				mounted = true
			}
		}
		if !mounted {
			fail("%s: no %s volume mounted at %s", cw, hugeMedium, hugeDir)
		}

		// GOMAXPROCS from the CPU limit.
		gomaxprocs := false
		for _, e := range c.Env {
			if e.Name == "GOMAXPROCS" && e.ValueFrom != nil && e.ValueFrom.ResourceFieldRef != nil &&
				e.ValueFrom.ResourceFieldRef.Resource == "limits.cpu" {
				gomaxprocs = true
			}
		}
		if !gomaxprocs {
			fail("%s: GOMAXPROCS is not set from limits.cpu", cw)
		}

		// Named capabilities, not privileged.
		sc := c.SecurityContext
		if sc == nil || sc.Capabilities == nil {
			fail("%s: no securityContext.capabilities", cw)
			continue
		}
		if sc.Privileged != nil && *sc.Privileged {
			fail("%s: privileged: true; name the capabilities instead", cw)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			fail("%s: allowPrivilegeEscalation must be false", cw)
		}
		if !slices.Contains(sc.Capabilities.Drop, "ALL") {
			fail("%s: capabilities.drop must be [ALL]", cw)
		}
		for _, cp := range sc.Capabilities.Add {
			if !slices.Contains(allowedCaps, cp) {
				fail("%s: capability %s is not one zcnic needs (%v)", cw, cp, allowedCaps)
			}
		}
		if len(sriovRes) > 0 {
			for _, cp := range pciCaps {
				if !slices.Contains(sc.Capabilities.Add, cp) {
					fail("%s: capability %s missing: VFIO needs it", cw, cp)
				}
			}
		}
	}
	return errs
}

func resourceNames(lists ...corev1.ResourceList) []corev1.ResourceName {
	var names []corev1.ResourceName
	for _, l := range lists {
		for n := range l {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })
	return names
}

func qty(q resource.Quantity, ok bool) string {
	if !ok {
		return "(none)"
	}
	return q.String()
}

// manifests reads every *.yaml file in this directory.
func manifests(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no manifests found")
	m := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		m[f] = b
	}
	return m
}

func decodeAll(files map[string][]byte) ([]object, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var all []object
	for _, n := range names {
		objs, err := decode(n, files[n])
		if err != nil {
			return nil, err
		}
		all = append(all, objs...)
	}
	return all, nil
}

func TestManifests(t *testing.T) {
	objs, err := decodeAll(manifests(t))
	require.NoError(t, err)
	require.NoError(t, check(objs))

	kinds := map[string]int{}
	for _, o := range objs {
		kinds[fmt.Sprintf("%T", o.obj)]++
		t.Logf("%s: %T ok", o.where, o.obj)
	}
	assert.Equal(t, 1, kinds["*v1.Pod"], "a forwarder Pod on virtual devices")
	assert.Equal(t, 1, kinds["*v1.DaemonSet"], "an SR-IOV forwarder DaemonSet")
	assert.Equal(t, 2, kinds["*k8s.NetworkAttachmentDefinition"], "two Multus networks")
	assert.Equal(t, 1, kinds["*v1.ConfigMap"], "the SR-IOV device plugin's config")
}

// TestManifestsRejectMistakes breaks the manifests in the ways that the
// validation is there to catch, one at a time, and checks each is caught.
func TestManifestsRejectMistakes(t *testing.T) {
	good := manifests(t)
	cases := []struct {
		name, file, old, new, want string
		all                        bool // replace every occurrence
	}{
		{"misspelled field", "forwarder-pod.yaml", "readOnlyRootFilesystem:", "readOnlyRootFileSystem:", `unknown field "spec.containers[0].securityContext.readOnlyRootFileSystem"`, false},
		{"misspelled list field", "sriov-forwarder.yaml", "volumeMounts:", "volumeMount:", `unknown field "spec.template.spec.containers[0].volumeMount"`, false},
		{"field at the wrong level", "forwarder-pod.yaml", "  restartPolicy: Never", "  restartPolicy: Never\n  hugepages-2Mi: 1Gi", `unknown field "spec.hugepages-2Mi"`, false},
		{"unknown CRD field", "sriov-forwarder.yaml", "spec:\n  config: |", "spec:\n  conifg: x\n  config: |", `unknown field "spec.conifg"`, false},
		{"duplicate field", "forwarder-pod.yaml", "  restartPolicy: Never", "  restartPolicy: Never\n  restartPolicy: Always", `"restartPolicy" already set`, false},
		{"bad quantity", "forwarder-pod.yaml", "hugepages-2Mi: 512Mi", "hugepages-2Mi: 512 MiB", "quantities must match", true},
		{"unknown kind", "forwarder-pod.yaml", "kind: Pod", "kind: Pdo", `kind "Pdo"`, false},
		{"misspelled CNI field", "sriov-forwarder.yaml", `"spoofchk": "off"`, `"spoofcheck": "off"`, `unknown field "spoofcheck"`, false},
		{"privileged", "forwarder-pod.yaml", "privileged: false", "privileged: true", "privileged: true", false},
		{"capability not needed", "forwarder-pod.yaml", `drop: ["ALL"]`, "drop: [\"ALL\"]\n          add: [\"SYS_ADMIN\"]", "capability SYS_ADMIN", false},
		{"capabilities not dropped", "forwarder-pod.yaml", `drop: ["ALL"]`, `drop: ["NET_RAW"]`, "capabilities.drop must be [ALL]", false},
		{"IPC_LOCK missing", "sriov-forwarder.yaml", `add: ["IPC_LOCK"]`, `add: ["NET_RAW"]`, "capability IPC_LOCK missing", false},
		{"burstable QoS", "forwarder-pod.yaml", "          cpu: \"2\"\n          memory: 256Mi\n          hugepages-2Mi: 512Mi\n      securityContext", "          cpu: \"3\"\n          memory: 256Mi\n          hugepages-2Mi: 512Mi\n      securityContext", "cpu request 2 != limit 3", false},
		{"fractional CPUs", "forwarder-pod.yaml", `cpu: "2"`, `cpu: 1500m`, "whole number of CPUs", true},
		{"hugepages not requested", "forwarder-pod.yaml", "          hugepages-2Mi: 512Mi\n", "", "no hugepages-2Mi limit", true},
		{"wrong volume medium", "sriov-forwarder.yaml", "medium: HugePages-2Mi", "medium: HugePages-1Gi", "no emptyDir volume with medium HugePages-2Mi", false},
		{"hugepages mounted elsewhere", "forwarder-pod.yaml", "mountPath: /dev/hugepages", "mountPath: /mnt/huge", "mounted at /dev/hugepages", false},
		{"no GOMAXPROCS", "forwarder-pod.yaml", "name: GOMAXPROCS", "name: GOMAXPROC", "GOMAXPROCS is not set", false},
		{"undefined network", "sriov-forwarder.yaml", "networks: zcnic-sriov-a, zcnic-sriov-b", "networks: zcnic-sriov-a, zcnic-sriov-c", `network "zcnic-sriov-c"`, false},
		{"VFs not requested", "sriov-forwarder.yaml", "              intel.com/intel_sriov_dpdk: \"2\"\n", "", "does not request", true},
		{"VF addresses not read", "sriov-forwarder.yaml", "PCIDEVICE_INTEL_COM_INTEL_SRIOV_DPDK", "PCIDEVICE_INTEL_SRIOV_DPDK", "never reads its PCI addresses", false},
		{"resource not advertised", "sriov-forwarder.yaml", `"resourceName": "intel_sriov_dpdk"`, `"resourceName": "intel_sriov"`, "no SR-IOV device plugin config advertises", false},
		{"selector misses the template", "sriov-forwarder.yaml", "      app.kubernetes.io/component: forwarder\n  template:", "      app.kubernetes.io/component: fwd\n  template:", "does not select", false},
		{"bad name", "forwarder-pod.yaml", "name: zcnic-smoke", "name: zcnic_smoke", `metadata.name "zcnic_smoke"`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := string(good[tc.file])
			require.Contains(t, src, tc.old, "the case no longer applies to %s", tc.file)
			n := 1
			if tc.all {
				n = -1
			}
			files := map[string][]byte{}
			for k, v := range good {
				files[k] = v
			}
			files[tc.file] = []byte(strings.Replace(src, tc.old, tc.new, n))
			objs, err := decodeAll(files)
			if err == nil {
				err = check(objs)
			}
			require.Error(t, err, "the broken manifest passed")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestEnvNameOf pins the device plugin's naming rule the manifests use.
func TestEnvNameOf(t *testing.T) {
	assert.Equal(t, "PCIDEVICE_INTEL_COM_INTEL_SRIOV_DPDK", envNameOf("intel.com/intel_sriov_dpdk"))
	assert.Regexp(t, regexp.MustCompile(`^[A-Z0-9_]+$`), envNameOf("nvidia.com/mlx5_vf"))
}
