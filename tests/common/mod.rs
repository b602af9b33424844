//! Shared by the tests that talk to moto's server (tests/aws_store.rs, tests/aws_cli.rs).

/// The environment that points the AWS SDK's default chain at moto and at nothing else:
/// dummy credentials, a region, no instance metadata, no shared config or credentials files.
pub fn fake_aws_env<'a>(endpoint: &'a str, region: &'a str) -> [(&'static str, &'a str); 7] {
    [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", region),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/ecs-lens-test/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ecs-lens-test/credentials"),
    ]
}
