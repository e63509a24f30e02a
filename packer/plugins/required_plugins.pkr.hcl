# For current Packer (1.7+), where the builders and provisioners are plugins: `packer init
# packer/plugins/` installs them. Packer 1.6.6 has them built in and refuses this block, and it
# does not read subfolders, so the block lives here, apart from the templates.
packer {
  required_version = ">= 1.6.6"
  required_plugins {
    amazon = {
      version = ">= 1.3.0"
      source  = "github.com/hashicorp/amazon"
    }
    docker = {
      version = ">= 1.0.0"
      source  = "github.com/hashicorp/docker"
    }
    ansible = {
      version = ">= 1.1.0"
      source  = "github.com/hashicorp/ansible"
    }
  }
}
