//! Which revisions the account's ECS services run: `ListClusters`, `ListServices` per cluster
//! and `DescribeServices` (10 services a call), every page followed. A service's deployments
//! each name a task definition: PRIMARY is what it runs now, ACTIVE ones are being replaced.

use futures_util::stream::{self, StreamExt, TryStreamExt};

use super::errors::Call;
use super::{parse_arn, shown, AwsStore};
use crate::store::{ServiceUse, StoreError};

/// DescribeServices takes at most this many services per call.
const DESCRIBE_BATCH: usize = 10;

/// Every item of a paginator's pages, or its first error.
fn all<T, E>(items: Vec<Result<T, E>>) -> Result<Vec<T>, E> {
    items.into_iter().collect()
}

/// The last part of an ARN (`…:cluster/prod` → `prod`), or the text itself.
fn name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

impl AwsStore {
    /// Every deployment of every service of every cluster.
    pub async fn services(&self) -> Result<Vec<ServiceUse>, StoreError> {
        let call = Call { action: "ecs:ListClusters", doing: "list clusters" };
        let clusters = all(self.client.list_clusters().into_paginator().items().send().collect::<Vec<_>>().await)
            .map_err(|e| self.map(e, call))?;
        let per_cluster: Vec<Vec<ServiceUse>> = stream::iter(clusters)
            .map(|cluster| async move { self.cluster_services(&cluster).await })
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        Ok(per_cluster.into_iter().flatten().collect())
    }

    async fn cluster_services(&self, cluster: &str) -> Result<Vec<ServiceUse>, StoreError> {
        let doing = format!("list the services of cluster `{}`", shown(name_of(cluster)));
        let call = Call { action: "ecs:ListServices", doing: &doing };
        let arns =
            all(self.client.list_services().cluster(cluster).into_paginator().items().send().collect::<Vec<_>>().await)
                .map_err(|e| self.map(e, call))?;
        let doing = format!("describe the services of cluster `{}`", shown(name_of(cluster)));
        let mut out = Vec::new();
        for batch in arns.chunks(DESCRIBE_BATCH) {
            let call = Call { action: "ecs:DescribeServices", doing: &doing };
            let answer = self
                .client
                .describe_services()
                .cluster(cluster)
                .set_services(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|e| self.map(e, call))?;
            for service in answer.services() {
                let name = service.service_name().unwrap_or_else(|| name_of(service.service_arn().unwrap_or_default()));
                let deployments = service.deployments();
                // An endpoint without deployments still says what the service runs.
                let runs: Vec<(&str, &str, i32, i32)> = if deployments.is_empty() {
                    service
                        .task_definition()
                        .map(|td| (td, "PRIMARY", service.desired_count(), service.running_count()))
                        .into_iter()
                        .collect()
                } else {
                    deployments
                        .iter()
                        .filter_map(|d| {
                            Some((
                                d.task_definition()?,
                                d.status().unwrap_or("PRIMARY"),
                                d.desired_count(),
                                d.running_count(),
                            ))
                        })
                        .collect()
                };
                for (td, deployment, desired, running) in runs {
                    let Some((family, revision)) = parse_arn(td) else { continue };
                    out.push(ServiceUse {
                        cluster: name_of(cluster).to_string(),
                        service: name.to_string(),
                        family: family.to_string(),
                        revision,
                        deployment: deployment.to_string(),
                        desired: u32::try_from(desired).unwrap_or(0),
                        running: u32::try_from(running).unwrap_or(0),
                    });
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_come_from_arns() {
        assert_eq!(super::name_of("arn:aws:ecs:us-east-1:123456789012:cluster/prod"), "prod");
        assert_eq!(super::name_of("arn:aws:ecs:us-east-1:123456789012:service/prod/web"), "web");
        assert_eq!(super::name_of("prod"), "prod");
    }
}
