# The golden AMI in the emulated account: the same name and tags as in AWS, registered without an
# instance to provision (communicator none), so that site.yml finds it through the golden AMI
# lookup exactly as in AWS. The image it stands for is the local source's container image.
source "amazon-ebs" "emulator" {
  region                     = var.region
  custom_endpoint_ec2        = var.emulator_endpoint
  skip_region_validation     = true
  skip_credential_validation = true
  skip_metadata_api_check    = true
  access_key                 = "testing"
  secret_key                 = "testing"
  instance_type              = var.instance_type
  ami_name                   = local.ami_name
  communicator               = "none"

  # moto's stock images: the emulator has no Debian account.
  source_ami_filter {
    filters = {
      name = "amzn2-ami-hvm-*-x86_64-gp2"
    }
    owners      = ["amazon"]
    most_recent = true
  }

  tags          = local.image_tags
  snapshot_tags = local.image_tags
}
