//! Reading module arguments after templating: typed getters with Ansible's conversions.
