"""Provisions a seed estate in moto (the local AWS stand-in) for tests/moto.rs.

Test fixture set-up only: boto3 ships with moto, and the estate is created the way the seed
write-ups create it. What opsdash reads back goes through the official aws-sdk-rust clients.

usage: provision.py ENDPOINT SEED REGION [DESIRED]   (SEED: 000 | 001 | 002 | large)
       provision.py ENDPOINT stop REGION INSTANCE_ID
       provision.py ENDPOINT alarm-state REGION ALARM STATE [REASON]
       provision.py ENDPOINT health-alarm REGION ALARM
       provision.py ENDPOINT many-alarms REGION COUNT   (alarm-000 …, more than a page)
Prints a JSON summary of what was created.
"""
import json
import os
import sys

import boto3

endpoint, seed, region = sys.argv[1], sys.argv[2], sys.argv[3]
# Another account's estate: the credentials of a role assumed in it (scripts/measure-fleet.sh).
kw = dict(endpoint_url=endpoint, region_name=region,
          aws_access_key_id=os.environ.get("PROVISION_ACCESS_KEY_ID", "testing"),
          aws_secret_access_key=os.environ.get("PROVISION_SECRET_ACCESS_KEY", "testing"),
          aws_session_token=os.environ.get("PROVISION_SESSION_TOKEN"))
ec2 = boto3.client("ec2", **kw)
if seed == "stop":
    ec2.stop_instances(InstanceIds=[sys.argv[4]])
    print(json.dumps({"stopped": sys.argv[4]}))
    sys.exit(0)
cw = boto3.client("cloudwatch", **kw)
if seed == "alarm-state":
    reason = sys.argv[6] if len(sys.argv) > 6 else "test"
    cw.set_alarm_state(AlarmName=sys.argv[4], StateValue=sys.argv[5], StateReason=reason)
    print(json.dumps({"alarm": sys.argv[4], "state": sys.argv[5]}))
    sys.exit(0)
if seed == "health-alarm":
    # The Route 53 health check's alarm that DNS failover follows (seed 004).
    cw.put_metric_alarm(AlarmName=sys.argv[4], Namespace="AWS/Route53", MetricName="HealthCheckStatus",
                        Statistic="Minimum", Period=60, EvaluationPeriods=1, Threshold=1.0,
                        ComparisonOperator="LessThanThreshold",
                        Dimensions=[{"Name": "HealthCheckId", "Value": "hc-1"}])
    print(json.dumps({"alarm": sys.argv[4]}))
    sys.exit(0)
if seed == "many-alarms":
    names = [f"alarm-{n:03}" for n in range(int(sys.argv[4]))]
    for name in names:
        cw.put_metric_alarm(AlarmName=name, Namespace="AWS/EC2", MetricName="CPUUtilization",
                            Statistic="Average", Period=60, EvaluationPeriods=5, Threshold=85.0,
                            ComparisonOperator="GreaterThanThreshold")
    print(json.dumps({"alarms": len(names)}))
    sys.exit(0)
elb = boto3.client("elbv2", **kw)
asg = boto3.client("autoscaling", **kw)
ecs = boto3.client("ecs", **kw)

vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnets = [
    ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i * 16}.0/20", AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
    for i, az in ((1, "a"), (2, "b"))
]
ami = ec2.describe_images()["Images"][0]["ImageId"]
ec2.create_launch_template(LaunchTemplateName=f"app-{seed}", LaunchTemplateData={"ImageId": ami, "InstanceType": "t3.micro"})
out = {"vpc": vpc}


def target_group(name, protocol, port, **health):
    return elb.create_target_group(Name=name, Protocol=protocol, Port=port, VpcId=vpc, **health)["TargetGroups"][0]


def group(name, lo, hi, desired, tgs):
    asg.create_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=lo, MaxSize=hi, DesiredCapacity=desired,
        LaunchTemplate={"LaunchTemplateName": f"app-{seed}"}, VPCZoneIdentifier=",".join(subnets),
        TargetGroupARNs=[t["TargetGroupArn"] for t in tgs])
    return [i["InstanceId"] for i in asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]["Instances"]]


if seed == "000":
    # Web instance -> internal NLB (TCP 9090) -> app Auto Scaling group.
    web = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, SubnetId=subnets[0],
                            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Server", "Value": "ApacheWeb"}]}])
    lb = elb.create_load_balancer(Name="fa-092-NLB", Subnets=subnets, Scheme="internal", Type="network")["LoadBalancers"][0]
    tg = target_group("fa-092-NLBTargetGroup", "TCP", 9090, HealthCheckProtocol="TCP", HealthCheckIntervalSeconds=10,
                      HealthyThresholdCount=3, UnhealthyThresholdCount=3)
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=9090,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    desired = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    out["instances"] = group("fa-092-AutoScalingGroup", 1, 4, desired, [tg])
    out["web"] = web["Instances"][0]["InstanceId"]
elif seed == "001":
    # Internal NLB with two target groups -> ECS service on a capacity-provider group.
    lb = elb.create_load_balancer(Name="appCluster-NLB", Subnets=subnets, Scheme="internal", Type="network")["LoadBalancers"][0]
    fe = target_group("frontend-tg", "TCP", 80, HealthCheckProtocol="HTTP", HealthCheckPath="/", HealthCheckIntervalSeconds=30,
                      HealthyThresholdCount=2, UnhealthyThresholdCount=2, TargetType="ip")
    be = target_group("backend-tg", "TCP", 8000, HealthCheckProtocol="HTTP", HealthCheckPath="/status", HealthCheckIntervalSeconds=30,
                      HealthyThresholdCount=2, UnhealthyThresholdCount=2, TargetType="ip")
    for tg, port in ((fe, 80), (be, 8000)):
        elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=port,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    group("appCluster-ASG", 0, 10, 2, [])
    ecs.create_cluster(clusterName="appCluster")
    ecs.register_task_definition(family="appTaskDefinition", networkMode="awsvpc", requiresCompatibilities=["EC2"],
                                 containerDefinitions=[{"name": "app", "image": "bookstore:v1.4.2", "memory": 512,
                                                        "portMappings": [{"containerPort": 80}, {"containerPort": 8000}]}])
    ecs.create_service(cluster="appCluster", serviceName="appService", taskDefinition="appTaskDefinition", desiredCount=2,
                       deploymentConfiguration={"minimumHealthyPercent": 50, "maximumPercent": 100})
elif seed == "002":
    # ALB -> Auto Scaling group (2..4), target group HTTP 8080 with health check /status.
    lb = elb.create_load_balancer(Name="web-alb", Subnets=subnets, Scheme="internet-facing", Type="application")["LoadBalancers"][0]
    tg = target_group("web-tg", "HTTP", 8080, HealthCheckProtocol="HTTP", HealthCheckPath="/status")
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    out["instances"] = group("web-asg", 2, 4, 2, [tg])
    # Seed 003's alarms: ALB 5XX, CPU > 85 % for 5 minutes, unhealthy hosts; with an hour of data.
    lb_dim = lb["LoadBalancerArn"].split(":loadbalancer/")[1]
    tg_dim = tg["TargetGroupArn"].split(":")[-1]
    alarms = [
        ("web-alb-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", 10.0, 1,
         [{"Name": "LoadBalancer", "Value": lb_dim}]),
        ("web-cpu-high", "AWS/EC2", "CPUUtilization", "Average", 85.0, 5,
         [{"Name": "AutoScalingGroupName", "Value": "web-asg"}]),
        ("web-unhealthy-hosts", "AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", 0.0, 2,
         [{"Name": "LoadBalancer", "Value": lb_dim}, {"Name": "TargetGroup", "Value": tg_dim}]),
    ]
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    for name, ns, metric, stat, threshold, periods, dims in alarms:
        cw.put_metric_alarm(AlarmName=name, Namespace=ns, MetricName=metric, Statistic=stat, Period=60,
                            EvaluationPeriods=periods, Threshold=threshold,
                            ComparisonOperator="GreaterThanThreshold", Dimensions=dims)
        cw.put_metric_data(Namespace=ns, MetricData=[
            {"MetricName": metric, "Dimensions": dims, "Value": 40.0 + m % 7,
             "Timestamp": now - datetime.timedelta(minutes=m)} for m in range(1, 31)])
    out["alarms"] = sorted(a[0] for a in alarms)
elif seed == "large":
    # The performance estate of issue 3: 300 instances in 50 groups, 50 target groups on 25 ALBs,
    # 100 ECS services in 2 clusters, 200 alarms.
    tgs = []
    for n in range(25):
        lb = elb.create_load_balancer(Name=f"alb-{n:02}", Subnets=subnets, Type="application")["LoadBalancers"][0]
        for port in (80, 8080):
            tg = target_group(f"tg-{n:02}-{port}", "HTTP", port, HealthCheckPath="/status")
            elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=port,
                                DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
            tgs.append(tg)
    out["instances"] = []
    for n, tg in enumerate(tgs):
        out["instances"] += group(f"asg-{n:02}", 1, 12, 6, [tg])
    ecs.register_task_definition(family="svc", containerDefinitions=[{"name": "app", "image": "app:1", "memory": 256}])
    for c in range(2):
        ecs.create_cluster(clusterName=f"cluster-{c}")
        for n in range(50):
            ecs.create_service(cluster=f"cluster-{c}", serviceName=f"svc-{n:02}", taskDefinition="svc", desiredCount=2)
    for n in range(200):
        cw.put_metric_alarm(AlarmName=f"alarm-{n:03}", Namespace="AWS/EC2", MetricName="CPUUtilization",
                            Statistic="Average", Period=60, EvaluationPeriods=5, Threshold=85.0,
                            ComparisonOperator="GreaterThanThreshold",
                            Dimensions=[{"Name": "AutoScalingGroupName", "Value": f"asg-{n % 50:02}"}])
    out["counts"] = {"instances": len(out["instances"]), "target_groups": len(tgs), "services": 100, "alarms": 200}
else:
    sys.exit(f"unknown seed {seed}")

print(json.dumps(out))
