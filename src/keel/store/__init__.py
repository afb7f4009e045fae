"""The storage seam: tracking, registry and artifact stores behind abstract interfaces."""
