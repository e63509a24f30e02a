# Shared by every source: what the image is, and where it is built.

variable "project" {
  type        = string
  default     = "webcast"
  description = "The project's name: the Project tag that the golden AMI lookup filters on."
}

variable "image_role" {
  type        = string
  default     = "webcast"
  description = "Which golden image this is (the Role tag): one image serves the app and the media server."
}

variable "version" {
  type        = string
  description = "The bake's version (the Version tag), e.g. 2026.11.26.1: tools/bake.sh derives it from the date."
}

variable "git_sha" {
  type        = string
  default     = "unknown"
  description = "The commit the image was baked from (the GitSha tag)."
}

variable "approved" {
  type        = bool
  default     = false
  description = "Tag the image Approved=true. Off in AWS: an operator approves an image after its tests pass."
}

variable "region" {
  type        = string
  default     = "eu-west-1"
  description = "Where the AMI is built."
}

variable "ami_regions" {
  type        = list(string)
  default     = []
  description = "Other regions the AMI is copied to, for disaster recovery (e.g. [\"eu-central-1\"])."
}

variable "instance_type" {
  type        = string
  default     = "t3.small"
  description = "The build instance's type (AWS only)."
}

variable "root_volume_size_gb" {
  type        = number
  default     = 8
  description = "The root volume's size, in GiB."
}

variable "base_image" {
  type        = string
  default     = "localhost/webcast-base:bookworm"
  description = "The local source's base: the Debian 12 systemd container image that tools/base-image.sh builds."
}

variable "local_image" {
  type        = string
  default     = "localhost/webcast-golden"
  description = "The repository the local golden image is committed to (tagged with the version and latest)."
}

variable "emulator_endpoint" {
  type        = string
  default     = "http://127.0.0.1:4566"
  description = "The AWS emulator's endpoint, for the emulator source."
}

variable "build_cidrs" {
  type        = list(string)
  default     = []
  description = "Where Packer's SSH to the build instance may come from; empty: only this build host's public IP."
}

variable "inputs" {
  type        = string
  default     = "unknown"
  description = "A hash of what the image is made of (roles, bake playbook, templates, app): tools/bake.sh reuses an image whose hash matches."
}

variable "manifest" {
  type        = string
  default     = ".run/bake/manifest.json"
  description = "Where the manifest post-processor records what was built."
}

locals {
  # The tags the golden AMI lookup and the fleet inventory read (plugins/lookup/golden_ami.py).
  image_tags = {
    Project   = var.project
    Role      = var.image_role
    Version   = var.version
    GitSha    = var.git_sha
    BaseImage = "debian-12"
    Approved  = var.approved ? "true" : "false"
    ManagedBy = "packer"
  }
  ami_name = "${var.project}-golden-${var.image_role}-${var.version}"
}
