package avisim

import "net/http"

func init() {
	beforeStore["virtualservice"] = (*Server).prepareVirtualService
}

// prepareVirtualService checks that a VH child points at a VH parent (spec §3.1).
func (s *Server) prepareVirtualService(obj, old *object, internal bool) *apiError {
	if obj.data["type"] != "VS_TYPE_VH_CHILD" {
		return nil
	}
	ref, _ := obj.data["vh_parent_vs_ref"].(string)
	if ref == "" {
		return errorf(http.StatusBadRequest, "vh_parent_vs_ref: This field is required for a virtual service of type VS_TYPE_VH_CHILD.")
	}
	parent := s.st.byUUID[ref]
	if parent == nil || parent.kind != "virtualservice" || parent.data["type"] != "VS_TYPE_VH_PARENT" {
		name := ref
		if parent != nil {
			name = parent.name
		}
		return errorf(http.StatusBadRequest, "vh_parent_vs_ref: virtual service %s is not of type VS_TYPE_VH_PARENT", name)
	}
	return nil
}
